using System.Runtime.Intrinsics;

namespace TheoryKit.Margins;

/// <summary>
/// The element-wise passes of the certification (<see cref="MarginSolver"/>, THEORY.md §6 "certification"), four points at a time with
/// 256-bit vectors and no branches: the ReLU masks 1[&lt;z, x_i&gt; &gt; 0] of a row of pre-activations are kept as bits, four per byte
/// (byte i / 4, bit i mod 4), so a row of n points takes <see cref="BytesPerRow"/> bytes. Every value equals the scalar loop's bit for bit
/// (each point's sums are accumulated in the same order; no fused multiply-add).
/// </summary>
internal static class SignMasks
{
    /// <summary>Bytes of mask per row of n points: ceil(n / 4).</summary>
    public static int BytesPerRow(int n) => (n + 3) / 4;

    /// <summary>Mask bit i of a row (<paramref name="mask"/> of <see cref="BytesPerRow"/>(n) bytes, 0 &lt;= i &lt; n).</summary>
    public static bool IsOn(ReadOnlySpan<byte> mask, int i) => (mask[i >> 2] >> (i & 3) & 1) != 0;

    // Lane l of entry b is all ones when bit l of b is set.
    private static readonly Vector256<double>[] Lanes = Enumerable.Range(0, 16).Select(b => Vector256.Create(
        (b & 1) != 0 ? -1L : 0, (b & 2) != 0 ? -1L : 0, (b & 4) != 0 ? -1L : 0, (b & 8) != 0 ? -1L : 0).AsDouble()).ToArray();

    /// <summary>
    /// For one row of n pre-activations a: mask bit i = a_i &gt; 0 (false for NaN), then a_i = weights_i where the bit is set, else +0.
    /// Spans: a and weights of length n, mask of length <see cref="BytesPerRow"/>(n).
    /// </summary>
    public static void TakeAndApply(Span<double> a, ReadOnlySpan<double> weights, Span<byte> mask)
    {
        int n = a.Length, i = 0;
        for (; i + 4 <= n; i += 4)
        {
            var on = Vector256.GreaterThan(Vector256.Create(a.Slice(i, 4)), Vector256<double>.Zero);
            (on & Vector256.Create(weights.Slice(i, 4))).CopyTo(a.Slice(i, 4));
            mask[i >> 2] = (byte)on.ExtractMostSignificantBits();
        }
        if (i < n)
        {
            int bits = 0;
            for (int l = 0; i + l < n; l++)
            {
                bool on = a[i + l] > 0;
                if (on) bits |= 1 << l;
                a[i + l] = on ? weights[i + l] : 0;
            }
            mask[i >> 2] = (byte)bits;
        }
    }

    /// <summary>a_i = weights_i where mask bit i is set, else +0 (a and weights of length n, mask of <see cref="BytesPerRow"/>(n) bytes).</summary>
    public static void Apply(ReadOnlySpan<byte> mask, ReadOnlySpan<double> weights, Span<double> a)
    {
        int n = a.Length, i = 0;
        for (; i + 4 <= n; i += 4) (Lanes[mask[i >> 2]] & Vector256.Create(weights.Slice(i, 4))).CopyTo(a.Slice(i, 4));
        for (; i < n; i++) a[i] = IsOn(mask, i) ? weights[i] : 0;
    }

    /// <summary>sums_i += values_i where mask bit i is set (values and sums of length n, mask of <see cref="BytesPerRow"/>(n) bytes).</summary>
    public static void AddMasked(ReadOnlySpan<byte> mask, ReadOnlySpan<double> values, Span<double> sums)
    {
        int n = values.Length, i = 0;
        for (; i + 4 <= n; i += 4)
        {
            var old = Vector256.Create(sums.Slice(i, 4));
            Vector256.ConditionalSelect(Lanes[mask[i >> 2]], old + Vector256.Create(values.Slice(i, 4)), old).CopyTo(sums.Slice(i, 4));
        }
        for (; i < n; i++) if (IsOn(mask, i)) sums[i] += values[i];
    }

    /// <summary>
    /// The antithetic pair's accumulation for one direction: v_i = products_i s where mask bit i is set, else (wx_i - products_i) sm;
    /// sums_i += v_i, squares_i += v_i^2 (all spans of length n but mask, of <see cref="BytesPerRow"/>(n) bytes).
    /// </summary>
    public static void AccumulatePair(ReadOnlySpan<byte> mask, ReadOnlySpan<double> products, ReadOnlySpan<double> wx, double s, double sm,
        Span<double> sums, Span<double> squares)
    {
        int n = products.Length, i = 0;
        var vs = Vector256.Create(s); var vsm = Vector256.Create(sm);
        for (; i + 4 <= n; i += 4)
        {
            var p = Vector256.Create(products.Slice(i, 4));
            var v = Vector256.ConditionalSelect(Lanes[mask[i >> 2]], p * vs, (Vector256.Create(wx.Slice(i, 4)) - p) * vsm);
            (Vector256.Create(sums.Slice(i, 4)) + v).CopyTo(sums.Slice(i, 4));
            (Vector256.Create(squares.Slice(i, 4)) + v * v).CopyTo(squares.Slice(i, 4));
        }
        for (; i < n; i++)
        {
            double v = IsOn(mask, i) ? products[i] * s : (wx[i] - products[i]) * sm;
            sums[i] += v; squares[i] += v * v;
        }
    }
}
