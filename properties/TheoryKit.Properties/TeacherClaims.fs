/// Claims of THEORY.md checked by properties (see theory/claims.md).
module TheoryKit.Properties.TeacherClaims

open TheoryKit.Properties.Claim

/// The claims of this file, in the order of THEORY.md.
let claims: Claim list = []
