/// The named tolerance levels of the claims (the F# twin of tests/Shared/Tolerance.cs). A property compares the
/// implementation with a value from outside it at the precision that source gives, and no wider.
module TheoryKit.Properties.Tolerance

/// Half a unit in the last of `decimals` decimal places: 0.5 * 10^-decimals (a number known to that many decimals).
let digits (decimals: int) = 0.5 * 10.0 ** float -decimals

/// Half a unit in the last of `count` significant digits of `value` (non-zero): 0.5 * 10^(floor(log10 |value|) - count + 1).
let significant (value: float) (count: int) = 0.5 * 10.0 ** (floor (log10 (abs value)) - float count + 1.0)
