/// Independent plain-loop references the properties compare against; never calls the code under check.
/// The losses of THEORY.md §2 (softplus with a series for ln(1 + v), independent of Math.Log(1 + v); the
/// sigmoid by its formula; KL as p ln(p/s) + (1-p) ln((1-p)/(1-s))), vectors and the limiting kernel's closed
/// form of §5 (the angle as 2 atan2(||u - u'||, ||u + u'||)), and the student of §1 and its training of §3: the
/// forward pass, the per-row gradient and a whole (projected) gradient descent, all written with plain loops.
module TheoryKit.Properties.Reference

open System
open TheoryKit.Properties.Generators

// ---- numbers and losses (THEORY.md §2) ----------------------------------------------------------

/// Machine epsilon of float64 (2^-52).
let eps = 2.220446049250313e-16

/// ln(1 + v) for v in [0, 1] as 2 atanh(w) = 2 sum_k w^(2k+1) / (2k+1), w = v / (2 + v) <= 1/3: accurate to
/// an ulp or two, also for tiny v (where Math.Log(1 + v) loses every digit).
let log1pRef (v: float) =
    let w = v / (2.0 + v)
    let w2 = w * w
    let mutable term = w
    let mutable sum = 0.0
    let mutable k = 0
    while k < 40 && term <> 0.0 do
        sum <- sum + term / float (2 * k + 1)
        term <- term * w2
        k <- k + 1
    2.0 * sum

/// softplus(t) = ln(1 + e^t) = max(t, 0) + ln(1 + e^-|t|).
let softplusRef (t: float) = max t 0.0 + log1pRef (exp (-(abs t)))

/// sigmoid(t) = 1 / (1 + e^-t), written so that e^t never overflows.
let sigmoidRef (t: float) = if t >= 0.0 then 1.0 / (1.0 + exp (-t)) else exp t / (1.0 + exp t)

/// KL(p || sigmoid f) = p ln(p / s) + (1 - p) ln((1 - p) / (1 - s)) with ln s = -softplus(-f),
/// ln(1 - s) = -softplus(f) and 0 ln 0 = 0.
let klRef (p: float) (f: float) =
    (if p > 0.0 then p * (log p + softplusRef (-f)) else 0.0)
    + (if p < 1.0 then (1.0 - p) * (log (1.0 - p) + softplusRef f) else 0.0)

/// Binary entropy H(p) in nats, 0 ln 0 = 0.
let entropyRef (p: float) =
    (if p > 0.0 then -p * log p else 0.0) + (if p < 1.0 then -(1.0 - p) * log (1.0 - p) else 0.0)

/// The magnitude of the terms summed in KL: p softplus(-f) + (1 - p) softplus(f) + H(p). A correct KL is
/// within a few eps of this magnitude of the exact value (the difference BCE - H cancels near f = logit p).
let klScale (p: float) (f: float) = p * softplusRef (-f) + (1.0 - p) * softplusRef f + entropyRef p

// ---- vectors and the limiting kernel (THEORY.md §5) ----------------------------------------------

let dot (a: float[]) (b: float[]) = Array.fold2 (fun s p q -> s + p * q) 0.0 a b
let norm (a: float[]) = sqrt (dot a a)

/// Row k of a row-major matrix with d columns.
let row (w: float[]) d k = Array.sub w (k * d) d

/// The angle theta in [0, pi] between non-zero x and x', as 2 atan2(||u - u'||, ||u + u'||) with u = x / ||x||
/// (accurate at every angle, where acos of the cosine loses half the digits near 0 and pi).
let angle (x: float[]) (x2: float[]) =
    let nx, nx2 = norm x, norm x2
    let u = x |> Array.map (fun v -> v / nx)
    let u2 = x2 |> Array.map (fun v -> v / nx2)
    2.0 * atan2 (norm (Array.map2 (-) u u2)) (norm (Array.map2 (+) u u2))

/// K(x, x') = <x, x'> (pi - theta) / (2 pi), 0 when either vector is zero.
let kernelRef (x: float[]) (x2: float[]) =
    if norm x = 0.0 || norm x2 = 0.0 then 0.0 else dot x x2 * (Math.PI - angle x x2) / (2.0 * Math.PI)

/// The angle a reduced to [0, 2 pi).
let wrap (a: float) =
    let r = a % (2.0 * Math.PI)
    if r < 0.0 then r + 2.0 * Math.PI else r

// ---- the student (THEORY.md §1) and gradient descent (§3) ----------------------------------------

/// (1/sqrt m) sum_k a_k relu(z_k) with z_k = z k and m = a.Length, by a plain loop.
let private readout (a: float[]) (z: int -> float) =
    let mutable sum = 0.0
    for k in 0 .. a.Length - 1 do
        let zk = z k
        if zk > 0.0 then sum <- sum + a.[k] * zk
    sum / sqrt (float a.Length)

/// f(x; W) = (1/sqrt m) sum_k a_k relu(<w_k, x>) by plain loops (W row-major m x d, m = a.Length, d = x.Length).
let logitAt (w: float[]) (a: float[]) (x: float[]) = readout a (fun k -> dot (row w x.Length k) x)

/// Pre-activations z_ki = <w_k, x_i> (m x n) and logits f_i = (1/sqrt m) sum_k a_k relu(z_ki), by plain loops.
let forward (w: float[]) (a: float[]) (s: Small) =
    let m = a.Length
    let z = Array2D.init m s.N (fun k i -> dot (row w s.D k) (s.Row i))
    z, Array.init s.N (fun i -> readout a (fun k -> z.[k, i]))

/// True when some pre-activation of a non-zero point lies within 1e-9 (relative to ||w_k|| ||x_i||) of the
/// kink of relu: the indicator 1[z > 0] may then differ between two correct implementations that round
/// differently, so trajectories may part from the next step on.
let nearKink (w: float[]) (z: float[,]) (s: Small) =
    let m = Array2D.length1 z
    let wNorm = Array.init m (fun k -> norm (row w s.D k))
    let xNorm = Array.init s.N (fun i -> norm (s.Row i))
    Seq.exists
        (fun (k, i) ->
            let scale = wNorm.[k] * xNorm.[i]
            scale > 0.0 && abs z.[k, i] <= 1e-9 * scale)
        (Seq.allPairs [ 0 .. m - 1 ] [ 0 .. s.N - 1 ])

/// d L / d f_i (times n): hard -y sigma(-y f), soft sigma(f) - p.
let lossDerivative (p: float[] option) (s: Small) i (f: float) =
    match p with
    | None -> -s.Y.[i] * sigmoidRef (-s.Y.[i] * f)
    | Some p -> sigmoidRef f - p.[i]

/// grad L(W) (m x d): grad_k = (1/n) sum_i l'_i (1/sqrt m) a_k 1[z_ki > 0] x_i, by plain loops; also z and f.
let gradient (w: float[]) (a: float[]) (s: Small) (p: float[] option) =
    let m = a.Length
    let z, f = forward w a s
    let g = Array.zeroCreate (m * s.D)
    for k in 0 .. m - 1 do
        for i in 0 .. s.N - 1 do
            if z.[k, i] > 0.0 then
                let c = lossDerivative p s i f.[i] * a.[k] / sqrt (float m) / float s.N
                for j in 0 .. s.D - 1 do
                    g.[k * s.D + j] <- g.[k * s.D + j] + c * s.X.[i * s.D + j]
    g, z, f

/// A plain-loop run of (projected) gradient descent.
type Descent =
    { /// L(W_t) for t = 0..T (logistic risk for hard labels, mean KL for soft).
      Loss: float[]
      /// Magnitude of the terms summed in L(W_t) (for soft labels BCE + H, which cancel near the optimum).
      Scale: float[]
      /// Hard-label risk R(W_t) on the true labels, t = 0..T.
      Risk: float[]
      /// W_T.
      W: float[]
      /// The first step t < T whose gradient met a near-kink (see nearKink): W_0..W_t, hence the losses at
      /// steps 0..t, are comparable with any correct implementation; later ones may part.
      Kink: int option }
    /// Steps whose losses are comparable.
    member r.Comparable = match r.Kink with Some t -> t | None -> r.Loss.Length - 1

/// W_{t+1} = W_t - eta grad L(W_t) (hard labels, or soft labels p), then (with a radius r) every row with
/// ||w_k - w_k0|| > r is moved back to w_k0 + (w_k - w_k0) r / ||w_k - w_k0||. T steps from (W_0, a).
let plainDescent (s: Small) (w0: float[]) (a: float[]) (p: float[] option) eta steps (radius: float option) =
    let m, d = a.Length, s.D
    let w = Array.copy w0
    let loss = Array.zeroCreate (steps + 1)
    let scale = Array.zeroCreate (steps + 1)
    let risk = Array.zeroCreate (steps + 1)
    let mutable kink = None
    for t in 0 .. steps do
        let g, z, f = gradient w a s p
        let n = float s.N
        risk.[t] <- (Array.init s.N (fun i -> softplusRef (-s.Y.[i] * f.[i])) |> Array.sum) / n
        match p with
        | None ->
            loss.[t] <- risk.[t]
            scale.[t] <- risk.[t]
        | Some p ->
            loss.[t] <- (Array.init s.N (fun i -> klRef p.[i] f.[i]) |> Array.sum) / n
            scale.[t] <- (Array.init s.N (fun i -> klScale p.[i] f.[i]) |> Array.sum) / n
        if t < steps then
            if kink.IsNone && nearKink w z s then kink <- Some t
            for k in 0 .. w.Length - 1 do
                w.[k] <- w.[k] - eta * g.[k]
            match radius with
            | Some r ->
                for k in 0 .. m - 1 do
                    let delta = Array.init d (fun j -> w.[k * d + j] - w0.[k * d + j])
                    let dist = norm delta
                    if dist > r then
                        for j in 0 .. d - 1 do
                            w.[k * d + j] <- w0.[k * d + j] + delta.[j] * (r / dist)
            | None -> ()
    { Loss = loss; Scale = scale; Risk = risk; W = w; Kink = kink }

/// The epoch average (1/T) sum_{t<T} v_t of a per-step record v_0..v_T of a Descent.
let epochMean (v: float[]) =
    let steps = v.Length - 1
    Array.sum (Array.sub v 0 steps) / float steps

// ---- planar margins (THEORY.md §6) ----------------------------------------------------------------

/// The independent evaluator of planar margins: the dual value of any q and the margins of any primal v that is
/// constant on the arcs of the circle, as explicit sums over the arcs between the angles a_i ± π/2 (plain loops,
/// no code of TheoryKit.Margins; Core's PlanarMargin is what it checks).
module PlanarEvaluator =
    let private twoPi = 2.0 * Math.PI

    /// Points of a plane in orthonormal coordinates (Px, Py) with labels Y.
    type Plane =
        { Px: float[]
          Py: float[]
          Y: float[] }
        member p.N = p.Y.Length

    /// The points of a planar case in its own coordinates.
    let ofPlanar (p: Planar) =
        { Px = Array.map2 (fun r a -> r * cos a) p.Radii p.Angles
          Py = Array.map2 (fun r a -> r * sin a) p.Radii p.Angles
          Y = p.Labels }

    /// Points from n x 2 row-major coordinates.
    let ofCoordinates (c: float[]) (y: float[]) =
        { Px = Array.init y.Length (fun i -> c.[2 * i]); Py = Array.init y.Length (fun i -> c.[2 * i + 1]); Y = y }

    /// The arcs (lo, hi) of constant activation pattern: consecutive sorted cut angles a_i ± π/2 of the
    /// non-zero points, the last arc wrapping round to the first cut + 2 pi; arcs of length <= 1e-15 (repeated
    /// cuts) are dropped. With no non-zero point the whole circle is one arc.
    let arcs (pl: Plane) =
        let cuts =
            [| for i in 0 .. pl.N - 1 do
                   if pl.Px.[i] <> 0.0 || pl.Py.[i] <> 0.0 then
                       let a = atan2 pl.Py.[i] pl.Px.[i]
                       yield wrap (a + Math.PI / 2.0)
                       yield wrap (a - Math.PI / 2.0) |]
            |> Array.sort
        if cuts.Length = 0 then [| 0.0, twoPi |]
        else
            [| for k in 0 .. cuts.Length - 1 do
                   let lo = cuts.[k]
                   let hi = if k + 1 < cuts.Length then cuts.[k + 1] else cuts.[0] + twoPi
                   if hi - lo > 1e-15 then yield lo, hi |]

    /// Whether point i is active (<z, x_i> > 0) on the arc, judged at its midpoint.
    let active (pl: Plane) (lo: float, hi: float) i =
        let mid = (lo + hi) / 2.0
        pl.Px.[i] * cos mid + pl.Py.[i] * sin mid > 0.0

    /// U_q on the arc: sum_i q_i y_i x_i over the active points.
    let arcU (pl: Plane) (q: float[]) arc =
        let mutable ux = 0.0
        let mutable uy = 0.0
        for i in 0 .. pl.N - 1 do
            if active pl arc i then
                ux <- ux + q.[i] * pl.Y.[i] * pl.Px.[i]
                uy <- uy + q.[i] * pl.Y.[i] * pl.Py.[i]
        ux, uy

    /// Dual value of q: sum over arcs of length / (2 pi) times ||U_q|| on the arc.
    let dualValue (pl: Plane) (q: float[]) =
        arcs pl |> Array.sumBy (fun (lo, hi) -> let ux, uy = arcU pl q (lo, hi) in (hi - lo) / twoPi * sqrt (ux * ux + uy * uy))

    /// Margins y_i sum_arcs (length / 2 pi) <v_arc, x_i> 1[x_i active] of a primal constant on each arc.
    let margins (pl: Plane) (arcList: (float * float)[]) (v: (float * float)[]) =
        Array.init pl.N (fun i ->
            let mutable m = 0.0
            for k in 0 .. arcList.Length - 1 do
                let lo, hi = arcList.[k]
                if active pl (lo, hi) i then
                    let vx, vy = v.[k]
                    m <- m + (hi - lo) / twoPi * (vx * pl.Px.[i] + vy * pl.Py.[i])
            pl.Y.[i] * m)

    /// Rows scaled into the unit ball (a feasible primal has ||v(z)|| <= 1).
    let clip (v: (float * float)[]) =
        v |> Array.map (fun (x, y) -> let r = sqrt (x * x + y * y) in if r > 1.0 then x / r, y / r else x, y)

    /// min_i ||x_i|| / 2, the cap on the certified upper end (each margin is at most E[||x_i|| 1[<z,x_i> > 0]]).
    let capOf (pl: Plane) =
        Array.init pl.N (fun i -> sqrt (pl.Px.[i] * pl.Px.[i] + pl.Py.[i] * pl.Py.[i]) / 2.0) |> Array.min
