/// Claims of THEORY.md checked by properties (see theory/claims.md).
module TheoryKit.Properties.LossClaims

open TheoryKit.Properties.Claim

/// The claims of this file, in the order of THEORY.md.
let claims: Claim list = []
