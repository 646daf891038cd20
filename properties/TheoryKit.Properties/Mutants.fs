/// Deliberately wrong variants of the formulas under check. `theorykit check --mutants` runs the claims
/// against each; a mutant is caught when at least one claim comes back falsified. Each mutant changes one
/// field of `Impl.Impl` and is an error a careful reader could make when transcribing THEORY.md.
module TheoryKit.Properties.Mutants

open System
open TheoryKit.Bounds
open TheoryKit.Margins
open TheoryKit.Properties.Impl
open TheoryKit.Training

/// A wrong variant of one formula.
type Mutant =
    { /// Short name, used by `--mutant NAME`.
      Name: string
      /// The Impl field it replaces.
      Field: string
      /// What is wrong, in words.
      Description: string
      /// The implementations with the field replaced.
      Apply: Impl -> Impl }

/// `o` with another step size and projection radius.
let private options (o: TrainingOptions) (eta: float) (radius: System.Nullable<float>) =
    TrainingOptions(o.Width, o.Steps, eta, o.Labels, o.Symmetric, radius, o.Seed, o.Threads, o.Precision, o.RecordEvery)

let private sigmoid f = if f >= 0.0 then 1.0 / (1.0 + exp (-f)) else exp f / (1.0 + exp f)

/// Every mutant, in the order they are reported.
let all: Mutant list =
    [ { Name = "coactivation-pi"
        Field = "CoActivation"
        Description = "co-activation (pi - theta) / pi instead of (pi - theta) / (2 pi)"
        Apply = fun i -> { i with CoActivation = fun x x2 -> 2.0 * i.CoActivation x x2 } }
      { Name = "ntk-without-inner-product"
        Field = "Limiting"
        Description = "K(x, x') = ||x|| ||x'|| (pi - theta) / (2 pi), the inner product replaced by the norms"
        Apply =
          fun i ->
              { i with
                  Limiting =
                      fun x x2 ->
                          let nx = sqrt (Array.sumBy (fun v -> v * v) x)
                          let nx2 = sqrt (Array.sumBy (fun v -> v * v) x2)
                          nx * nx2 * i.CoActivation x x2 } }
      { Name = "softplus-naive"
        Field = "Softplus"
        Description = "softplus as ln(1 + exp t), which overflows for large t"
        Apply = fun i -> { i with Softplus = fun t -> log (1.0 + exp t) } }
      { Name = "kl-without-entropy"
        Field = "KL"
        Description = "KL(p || sigma(f)) as the cross-entropy BCE(p, sigma(f)), without subtracting H(p)"
        Apply = fun i -> { i with KL = fun p f -> p * TheoryKit.Training.Losses.Softplus(-f) + (1.0 - p) * TheoryKit.Training.Losses.Softplus f } }
      { Name = "kl-gradient-sign"
        Field = "KLDerivative"
        Description = "d KL / d f = p - sigma(f), a sign error"
        Apply = fun i -> { i with KLDerivative = fun p f -> p - sigmoid f } }
      { Name = "temperature-multiplies"
        Field = "SoftLabel"
        Description = "soft label sigma(g tau) instead of sigma(g / tau)"
        Apply = fun i -> { i with SoftLabel = fun g tau -> sigmoid (g * tau) } }
      { Name = "transfer-without-sqrt"
        Field = "TransferLowerBound"
        Description = "[JT20] transfer gamma_m >= gamma - 2 ln(n / delta) / m, the square root dropped"
        Apply = fun i -> { i with TransferLowerBound = fun g n m delta -> g - 2.0 * log (float n / delta) / float m } }
      { Name = "interval-without-hoeffding"
        Field = "HoeffdingLowerTerm"
        Description = "certified margin interval without its Hoeffding terms (the plain sample estimates)"
        Apply = fun i -> { i with HoeffdingLowerTerm = (fun _ _ _ -> 0.0); HoeffdingUpperTerm = (fun _ _ -> 0.0) } }
      { Name = "sandwich-lower-without-n"
        Field = "Sandwich"
        Description = "sandwich lower end lambda_min(H) instead of lambda_min(H) / n"
        Apply = fun i -> { i with Sandwich = fun data -> let r = i.Sandwich data in MarginSandwichResult(min 0.5 r.LambdaMin, r.Upper, r.LambdaMin, r.QuadraticMin) } }
      { Name = "soft-rate-gamma-cubed"
        Field = "SoftRate"
        Description = "m_soft = c_soft / (gamma^3 eps), the wrong exponent of gamma"
        Apply = fun i -> { i with SoftRate = fun p -> p.CSoft / (p.Gamma ** 3.0 * p.Epsilon) } }
      { Name = "hard-rate-gamma-squared"
        Field = "HardRate"
        Description = "m_hard = c_hard ln(1/eps) / gamma^2, the wrong exponent of gamma"
        Apply = fun i -> { i with HardRate = fun p -> p.CHard * log (1.0 / p.Epsilon) / (p.Gamma * p.Gamma) } }
      { Name = "jt20-lambda-half-gamma"
        Field = "Jt20"
        Description = "[JT20] lambda with gamma / 2 in the denominator instead of gamma / 4"
        Apply =
          fun i ->
              { i with
                  Jt20 =
                      fun p ->
                          let r = i.Jt20 p
                          let l = r.Lambda / 2.0
                          Jt20Theorem22(l, 4096.0 * l * l / p.Gamma ** 6.0, ceil (2.0 * l * l / (p.Eta * p.Epsilon)), 4.0 * l / (p.Gamma * sqrt r.WidthUsed), r.WidthUsed) } }
      { Name = "jt20-radius-over-m"
        Field = "Jt20"
        Description = "[JT20] movement radius 4 lambda / (gamma m) instead of 4 lambda / (gamma sqrt(m))"
        Apply = fun i -> { i with Jt20 = fun p -> let r = i.Jt20 p in Jt20Theorem22(r.Lambda, r.M, r.T, 4.0 * r.Lambda / (p.Gamma * r.WidthUsed), r.WidthUsed) } }
      { Name = "gamma-star-without-sqrt"
        Field = "GammaStar"
        Description = "crossover gamma* = (c_hard / c_soft) eps ln(1/eps), the square root dropped"
        Apply = fun i -> { i with GammaStar = fun p -> p.CHard / p.CSoft * p.Epsilon * log (1.0 / p.Epsilon) } }
      { Name = "gradient-without-1-over-sqrt-m"
        Field = "Train"
        Description = "gradient descent with d f / d w_s missing its factor 1 / sqrt(m) (steps sqrt(m) times too long)"
        Apply = fun i -> { i with Train = fun data soft o -> i.Train data soft (options o (o.Eta * sqrt (float o.Width)) o.Radius) } }
      { Name = "projection-radius-over-m"
        Field = "Train"
        Description = "projected gradient descent onto ||w_s - w_s0|| <= rho / m instead of rho / sqrt(m)"
        Apply =
          fun i ->
              { i with
                  Train =
                      fun data soft o ->
                          let radius = if o.Radius.HasValue then System.Nullable(o.Radius.Value / sqrt (float o.Width)) else o.Radius
                          i.Train data soft (options o o.Eta radius) } }
      { Name = "epoch-average-off-by-one"
        Field = "Train"
        Description = "epoch-averaged loss and risk over t = 1..T instead of t = 0..T-1"
        Apply =
          fun i ->
              { i with
                  Train =
                      fun data soft o ->
                          let r = i.Train data soft o
                          let later = r.Trajectory |> Array.filter (fun q -> q.Step >= 1)
                          let mean (f: TheoryKit.Training.TrajectoryPoint -> float) = later |> Array.averageBy f
                          TheoryKit.Training.TrainingResult(r.Trajectory, r.FinalLoss, mean (fun q -> q.Loss), mean (fun q -> q.Risk), r.FinalRisk,
                                                            r.TrainError, r.TestRisk, r.TestError, r.SecondsPerStep, r.Backend, r.W) } }
      { Name = "clopper-pearson-wald"
        Field = "ClopperPearson"
        Description = "Wald interval p_hat +- z sqrt(p_hat (1 - p_hat) / n) instead of Clopper-Pearson"
        Apply =
          fun i ->
              { i with
                  ClopperPearson =
                      fun s t alpha ->
                          let ph = float s / float t
                          let z = MathNet.Numerics.Distributions.Normal.InvCDF(0.0, 1.0, 1.0 - alpha / 2.0)
                          let h = z * sqrt (ph * (1.0 - ph) / float t)
                          max 0.0 (ph - h), min 1.0 (ph + h) } } ]

/// The mutant called `name`.
/// Raises InputException when there is none.
let byName (name: string) =
    match all |> List.tryFind (fun m -> m.Name = name) with
    | Some m -> m
    | None ->
        raise (TheoryKit.InputException.Parameter("mutant", sprintf "unknown mutant '%s'; known: %s" name (all |> List.map (fun m -> m.Name) |> String.concat ", ")))
