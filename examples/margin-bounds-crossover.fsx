// TheoryKit.Core from F# Interactive: the certified margin of a small dataset, the neuron bounds at its
// estimate and the soft/hard crossover, as the `theorykit margin` and `theorykit crossover` commands compute them.
//
// Run from the repository root after packing the library into artifacts/ (examples/nuget.config adds that folder
// as a package source):
//   dotnet pack src/TheoryKit.Core -o artifacts && dotnet fsi examples/margin-bounds-crossover.fsx
#r "nuget: TheoryKit.Core, 0.1.0"

open TheoryKit.Data
open TheoryKit.Margins
open TheoryKit.Bounds

// Noisy 2-XOR in d = 6 (THEORY.md §6 known answer: exact margin 0.06367), 64 points, seed 0.
let data = DataSource.Load("noisy-xor:6", DataOptions())
printfn "data: %s (n = %d, d = %d)" data.Provenance.Description data.N data.D

// Certified interval for the NTK margin gamma at confidence 1 - delta, fixed sample counts so the numbers
// depend on the seed only (not on the machine's speed).
let margin = MarginSolver.Certify(data, MarginOptions(Delta = 0.025, Seed = 0UL, OptimisationSamples = 512, CertificationSamples = 200000L))
printfn "gamma in [%.5f, %.5f] (estimate %.5f; exact 0.06367), %s" margin.GammaLower margin.GammaUpper margin.GammaEstimate margin.LowerBound

// Neuron bounds at the estimate for target loss epsilon = 0.01 and n = 1000 ([JT20] Theorem 2.2; [MLS25]
// rates with constant c = 1), then the verdict over the whole certified interval.
let p = BoundParameters(margin.GammaEstimate, 0.01, 1000, 0.1, 1.0, 1.0, 1.0, 1.0, System.Nullable())
let jt = Jt20.Theorem22 p
printfn "[JT20] M = %.4g, T = %.4g; [MLS25] m_soft = %.4g, m_hard = %.4g (rates, c = 1)" jt.M jt.T (NeuronBounds.Mls25Soft.Evaluate p) (NeuronBounds.Mls25Hard.Evaluate p)
let crossover = Crossover.Solve(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p)
printfn "crossover gamma* = %s (%s)" (if crossover.GammaStar.HasValue then sprintf "%.6g" crossover.GammaStar.Value else "none") crossover.Method
let verdict = Crossover.Verdict(NeuronBounds.Mls25Soft, NeuronBounds.Mls25Hard, p, margin.GammaLower, margin.GammaUpper, margin.GammaEstimate)
printfn "verdict: %s" verdict.Label

// The known answer must lie inside the certified interval (the script fails otherwise, so CI can run it).
if not (margin.GammaLower <= 0.06367 && 0.06367 <= margin.GammaUpper) then
    failwithf "the exact margin 0.06367 lies outside the certified interval [%g, %g]" margin.GammaLower margin.GammaUpper
