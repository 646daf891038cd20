/// The implementations a claim checks. Every property reaches the formulas it tests through an `Impl`, so
/// that the mutation check (`theorykit check --mutants`) can swap one formula for a deliberately wrong
/// variant and see which property notices. `Impl.real` is the code in TheoryKit.Core.
module TheoryKit.Properties.Impl

open System
open System.Collections.Concurrent
open TheoryKit.Bounds
open TheoryKit.Experiments
open TheoryKit.Kernels
open TheoryKit.Margins
open TheoryKit.Training

/// Formulas under check (THEORY.md section in brackets). Vectors are float[] of one common length d.
type Impl =
    { /// E[1[<z,x> > 0] 1[<z,x'> > 0]] (§5), x and x' non-zero.
      CoActivation: float[] -> float[] -> float
      /// Limiting kernel K(x, x') (§5).
      Limiting: float[] -> float[] -> float
      /// Stable softplus ln(1 + e^t) (§2).
      Softplus: float -> float
      /// KL(p || sigma(f)) for p in [0, 1] and logit f (§2).
      KL: float -> float -> float
      /// d KL(p || sigma(f)) / d f (§2).
      KLDerivative: float -> float -> float
      /// Soft label sigma(g / tau) of teacher logit g at temperature tau (§2).
      SoftLabel: float -> float -> float
      /// [JT20] transfer: lower bound on gamma_m from (gamma, n, m, delta) (§6).
      TransferLowerBound: float -> int -> int -> float -> float
      /// Hoeffding term added to the K-sample dual estimate, from (K, delta) (§6).
      HoeffdingUpperTerm: int64 -> float -> float
      /// Hoeffding term subtracted from the K-sample primal estimate, from (K, n, delta) (§6).
      HoeffdingLowerTerm: int64 -> int -> float -> float
      /// Sandwich lambda_min(H)/n <= gamma <= min(1/2, sqrt(min_q q^T YHY q)) (§6).
      Sandwich: TheoryKit.Data.Dataset -> MarginSandwichResult
      /// [MLS25] soft-label rate m_soft (§7).
      SoftRate: BoundParameters -> float
      /// [MLS25] hard-label rate m_hard (§7).
      HardRate: BoundParameters -> float
      /// [JT20] Theorem 2.2 quantities lambda, M, T, radius (§7).
      Jt20: BoundParameters -> Jt20Theorem22
      /// Closed-form crossover gamma* of the [MLS25] rates (§8).
      GammaStar: BoundParameters -> float
      /// Two-sided Clopper-Pearson interval (successes, trials, alpha) (§9).
      ClopperPearson: int -> int -> float -> float * float
      /// Gradient descent of §3 (Trainer.Train): training set, soft labels (null for hard labels), options.
      Train: TheoryKit.Data.Dataset -> float[] -> TrainingOptions -> TrainingResult }

/// The code under check: TheoryKit.Core.
let real: Impl =
    { CoActivation = fun x x2 -> NtkKernel.CoActivation(ReadOnlySpan x, ReadOnlySpan x2)
      Limiting = fun x x2 -> NtkKernel.Limiting(ReadOnlySpan x, ReadOnlySpan x2)
      Softplus = Losses.Softplus
      KL = fun p f -> Losses.KL(p, f)
      KLDerivative = fun p f -> Losses.KLDerivative(p, f)
      SoftLabel = fun g tau -> Losses.SoftLabel(g, tau)
      TransferLowerBound = fun gamma n m delta -> FiniteWidthMarginResult.TransferLowerBound(gamma, n, m, delta)
      HoeffdingUpperTerm = fun k delta -> MarginSolver.HoeffdingUpperTerm(k, delta)
      HoeffdingLowerTerm = fun k n delta -> MarginSolver.HoeffdingLowerTerm(k, n, delta)
      Sandwich = MarginSandwich.Compute
      SoftRate = fun p -> NeuronBounds.Mls25Soft.Evaluate p
      HardRate = fun p -> NeuronBounds.Mls25Hard.Evaluate p
      Jt20 = Jt20.Theorem22
      GammaStar = fun p -> (Crossover.ClosedFormMls25 p).GammaStar.Value
      ClopperPearson = fun s t alpha -> let struct (lo, hi) = ClopperPearson.Interval(s, t, alpha) in lo, hi
      Train = fun data soft options -> Trainer.Train(data, soft, options) }

/// Field names of Impl, as used by mutants and the usage record.
let fields =
    [ "CoActivation"; "Limiting"; "Softplus"; "KL"; "KLDerivative"; "SoftLabel"; "TransferLowerBound"
      "HoeffdingUpperTerm"; "HoeffdingLowerTerm"; "Sandwich"; "SoftRate"; "HardRate"; "Jt20"; "GammaStar"
      "ClopperPearson"; "Train" ]

/// `impl` with every call recorded in `used` (by field name): a claim that never calls a field cannot
/// be affected by a mutant of that field, so the mutation check runs only the claims that do.
let tracked (used: ConcurrentDictionary<string, bool>) (impl: Impl) : Impl =
    let mark name = used.[name] <- true
    { CoActivation = fun x x2 -> mark "CoActivation"; impl.CoActivation x x2
      Limiting = fun x x2 -> mark "Limiting"; impl.Limiting x x2
      Softplus = fun t -> mark "Softplus"; impl.Softplus t
      KL = fun p f -> mark "KL"; impl.KL p f
      KLDerivative = fun p f -> mark "KLDerivative"; impl.KLDerivative p f
      SoftLabel = fun g tau -> mark "SoftLabel"; impl.SoftLabel g tau
      TransferLowerBound = fun g n m d -> mark "TransferLowerBound"; impl.TransferLowerBound g n m d
      HoeffdingUpperTerm = fun k d -> mark "HoeffdingUpperTerm"; impl.HoeffdingUpperTerm k d
      HoeffdingLowerTerm = fun k n d -> mark "HoeffdingLowerTerm"; impl.HoeffdingLowerTerm k n d
      Sandwich = fun data -> mark "Sandwich"; impl.Sandwich data
      SoftRate = fun p -> mark "SoftRate"; impl.SoftRate p
      HardRate = fun p -> mark "HardRate"; impl.HardRate p
      Jt20 = fun p -> mark "Jt20"; impl.Jt20 p
      GammaStar = fun p -> mark "GammaStar"; impl.GammaStar p
      ClopperPearson = fun s t a -> mark "ClopperPearson"; impl.ClopperPearson s t a
      Train = fun data soft o -> mark "Train"; impl.Train data soft o }
