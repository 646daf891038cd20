using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TheoryKit.Tables;

/// <summary>A column of a <see cref="Table"/>.</summary>
/// <param name="Key">Machine name, the CSV and JSON header (e.g. <c>m_soft</c>).</param>
/// <param name="Header">Header for people; may contain inline math between <c>$</c> signs, rendered as math by
/// LaTeX and by Markdown viewers that support it (e.g. <c>$m_{\mathrm{soft}}$ (rate)</c>).</param>
/// <param name="IsText">True for a column of words (aligned left); numbers are aligned right.</param>
public sealed record Column(string Key, string Header, bool IsText = false);

/// <summary>
/// One cell: a number, a text, or a number with a relation (a censored measurement such as "&gt;= 12.5").
/// </summary>
/// <param name="Value">The number, or null for a text cell or a missing value.</param>
/// <param name="Text">Text shown instead of a number (e.g. "none in (0, 1/2]"), or null.</param>
/// <param name="Relation">"" for an exact value, or "&gt;=", "&lt;=", "&gt;", "&lt;" when only a bound is known.</param>
public sealed record Cell(double? Value, string? Text = null, string Relation = "")
{
    /// <summary>A number cell.</summary>
    public static implicit operator Cell(double value) => new(value);

    /// <summary>A text cell.</summary>
    public static Cell Of(string text) => new(null, text);

    /// <summary>A missing value (shown as a dash; empty in CSV, null in JSON).</summary>
    public static Cell Missing { get; } = new(null);
}

/// <summary>
/// A theory or measurement table, rendered by <see cref="TableFormat"/> as Markdown, CSV, LaTeX (booktabs) and
/// JSON. Rows are lists of cells in column order.
/// </summary>
/// <param name="Id">File stem and LaTeX label suffix (e.g. <c>bounds</c> gives bounds.md, bounds.csv,
/// bounds.tex and <c>\label{tab:bounds}</c>).</param>
/// <param name="Title">One-line title.</param>
/// <param name="Caption">Caption: parameters, formulas (inline math between <c>$</c>) and how to read the values.</param>
/// <param name="Columns">The columns.</param>
/// <param name="Rows">The rows, each with exactly one cell per column.</param>
public sealed record Table(string Id, string Title, string Caption, IReadOnlyList<Column> Columns, IReadOnlyList<IReadOnlyList<Cell>> Rows)
{
    /// <summary>Checks that every row has one cell per column.</summary>
    /// <exception cref="ArgumentException">A row has the wrong number of cells.</exception>
    public void Validate()
    {
        for (int i = 0; i < Rows.Count; i++)
            if (Rows[i].Count != Columns.Count)
                throw new ArgumentException($"table {Id}: row {i + 1} has {Rows[i].Count} cells for {Columns.Count} columns");
    }
}

/// <summary>
/// Renders <see cref="Table"/>s. Numbers are shown with 4 significant digits (integers below 10^5 exactly;
/// scientific notation, always with 4 digits such as <c>1.760e12</c>, from 10^5 up, for fractions from about 10^4
/// up, and below 10^-3) in Markdown and LaTeX, and with 10 significant digits
/// (integers below 10^15 exactly) in CSV and JSON, always in invariant culture, so that the same table gives
/// byte-identical files on every machine.
/// </summary>
public static class TableFormat
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A number for people: 4 significant digits, <c>1.154e9</c> style from 10^5 up (from about 10^4 up for
    /// fractions, whose 4 digits would otherwise end before the decimal point) and below 10^-3; integers below 10^5 exactly.</summary>
    /// <param name="x">The number.</param>
    /// <returns>Its text ("inf", "-inf" or "NaN" when not finite).</returns>
    public static string Short(double x)
    {
        if (!double.IsFinite(x)) return double.IsNaN(x) ? "NaN" : x > 0 ? "inf" : "-inf";
        var a = Math.Abs(x);
        if (x == Math.Floor(x) && a < 1e5) return x.ToString("0", Inv);
        // G4 switches to its own exponent form when rounding reaches 10^4 (9999.99 gives "1E+04"): use ours then.
        var g = x.ToString("G4", Inv);
        if (a >= 1e5 || (a < 1e-3 && a > 0) || g.Contains('E', StringComparison.Ordinal))
            return x.ToString("0.000e0", Inv).Replace("e+", "e", StringComparison.Ordinal);
        return g;
    }

    /// <summary>A number for machines: 10 significant digits, integers below 10^15 exactly.</summary>
    /// <param name="x">The number (finite).</param>
    public static string Long(double x) =>
        x == Math.Floor(x) && Math.Abs(x) < 1e15 ? x.ToString("0", Inv) : x.ToString("G10", Inv);

    /// <summary>A number in LaTeX: <see cref="Short"/>, with <c>1.154e9</c> written <c>$1.154 \times 10^{9}$</c>.</summary>
    /// <param name="x">The number.</param>
    public static string Latex(double x)
    {
        var s = Short(x);
        var e = s.IndexOf('e', StringComparison.Ordinal);
        if (e < 0 || !double.IsFinite(x)) return s.StartsWith('-') ? "$" + s + "$" : s;
        return $"${s[..e]} \\times 10^{{{s[(e + 1)..]}}}$";
    }

    private static string Relation(string r, bool latex) => (r, latex) switch
    {
        ("", _) => "",
        (">=", true) => "$\\geq$ ",
        ("<=", true) => "$\\leq$ ",
        (">", true) => "$>$ ",
        ("<", true) => "$<$ ",
        _ => r + " ",
    };

    private static string Display(Cell c, bool latex) =>
        c.Text is { } t ? (latex ? EscapeLatexText(t) : EscapeMarkdown(t))
        : c.Value is { } v ? Relation(c.Relation, latex) + (latex ? Latex(v) : Short(v))
        : latex ? "--" : "—";

    /// <summary>The table in GitHub Markdown: a level-3 heading with the title, the caption, then the table.</summary>
    /// <param name="table">The table.</param>
    /// <returns>Markdown text ending in a newline.</returns>
    public static string Markdown(Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.Validate();
        var sb = new StringBuilder();
        sb.Append("### ").Append(table.Title).Append("\n\n").Append(table.Caption).Append("\n\n");
        sb.Append("| ").Append(string.Join(" | ", table.Columns.Select(c => c.Header))).Append(" |\n");
        sb.Append('|').Append(string.Concat(table.Columns.Select(c => c.IsText ? ":---|" : "---:|"))).Append('\n');
        foreach (var row in table.Rows)
            sb.Append("| ").Append(string.Join(" | ", row.Select(c => Display(c, false)))).Append(" |\n");
        return sb.ToString();
    }

    /// <summary>
    /// The table as CSV (RFC 4180, comma-separated, header of column keys). A column whose cells carry a
    /// relation gets a second column <c>KEY_relation</c> ("", "&gt;=", "&lt;=", "&gt;", "&lt;") after it.
    /// Text cells are written as text, missing values as empty fields.
    /// </summary>
    /// <param name="table">The table.</param>
    /// <returns>CSV text with "\n" line ends.</returns>
    public static string Csv(Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.Validate();
        var related = table.Columns.Select((_, j) => table.Rows.Any(r => r[j].Relation != "")).ToArray();
        var sb = new StringBuilder();
        var header = new List<string>();
        for (int j = 0; j < table.Columns.Count; j++)
        {
            header.Add(table.Columns[j].Key);
            if (related[j]) header.Add(table.Columns[j].Key + "_relation");
        }
        sb.Append(string.Join(",", header.Select(Quote))).Append('\n');
        foreach (var row in table.Rows)
        {
            var fields = new List<string>();
            for (int j = 0; j < row.Count; j++)
            {
                var c = row[j];
                fields.Add(c.Text ?? (c.Value is { } v ? Long(v) : ""));
                if (related[j]) fields.Add(c.Relation);
            }
            sb.Append(string.Join(",", fields.Select(Quote))).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// The table as a LaTeX <c>table</c> float with a booktabs <c>tabular</c> (needs <c>\usepackage{booktabs}</c> and
    /// <c>\usepackage{graphicx}</c>), scaled down to the line width when it is wider, with the caption and
    /// <c>\label{tab:ID}</c>; to be <c>\input</c> into a document. Text columns are aligned left, numbers right.
    /// </summary>
    /// <param name="table">The table.</param>
    /// <returns>LaTeX source ending in a newline.</returns>
    public static string LatexTable(Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.Validate();
        var sb = new StringBuilder();
        sb.Append("% ").Append(table.Title).Append(" (written by theorykit tables)\n");
        sb.Append("\\begin{table}[htbp]\n\\centering\n\\small\n");
        sb.Append("\\caption{").Append(EscapeLatexOutsideMath(table.Title)).Append(". ")
          .Append(EscapeLatexOutsideMath(table.Caption)).Append("}\n");
        sb.Append("\\label{tab:").Append(table.Id).Append("}\n");
        // Scaled down to the line width when wider (graphicx's \resizebox with \width, the natural width), never up.
        sb.Append("\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n");
        sb.Append("\\begin{tabular}{").Append(string.Concat(table.Columns.Select(c => c.IsText ? 'l' : 'r'))).Append("}\n\\toprule\n");
        sb.Append(string.Join(" & ", table.Columns.Select(c => EscapeLatexOutsideMath(c.Header)))).Append(" \\\\\n\\midrule\n");
        foreach (var row in table.Rows)
            sb.Append(string.Join(" & ", row.Select(c => Display(c, true)))).Append(" \\\\\n");
        sb.Append("\\bottomrule\n\\end{tabular}}\n\\end{table}\n");
        return sb.ToString();
    }

    /// <summary>
    /// The table as a JSON object: <c>id</c>, <c>title</c>, <c>caption</c>, <c>columns</c> (key and header) and
    /// <c>rows</c> (objects keyed by column key: numbers, texts or null; a censored value is an object
    /// <c>{"relation": "&gt;=", "value": x}</c>).
    /// </summary>
    /// <param name="table">The table.</param>
    public static JsonObject Json(Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.Validate();
        var rows = new JsonArray();
        foreach (var row in table.Rows)
        {
            var o = new JsonObject();
            for (int j = 0; j < row.Count; j++)
            {
                var c = row[j];
                JsonNode? v = c.Text is { } t ? JsonValue.Create(t)
                    : c.Value is { } x && double.IsFinite(x) ? JsonValue.Create(double.Parse(Long(x), Inv))
                    : null;
                o[table.Columns[j].Key] = c.Relation != "" && v is not null ? new JsonObject { ["relation"] = c.Relation, ["value"] = v } : v;
            }
            rows.Add(o);
        }
        return new JsonObject
        {
            ["id"] = table.Id,
            ["title"] = table.Title,
            ["caption"] = table.Caption,
            ["columns"] = new JsonArray(table.Columns.Select(c => (JsonNode)new JsonObject { ["key"] = c.Key, ["header"] = c.Header }).ToArray()),
            ["rows"] = rows,
        };
    }

    /// <summary>Indented JSON text (non-ASCII kept as is) ending in a newline.</summary>
    /// <param name="node">The JSON.</param>
    public static string JsonText(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    private static string EscapeMarkdown(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>Escapes LaTeX's special characters in plain text (no math); code between backticks becomes
    /// <c>\texttt{...}</c> with each hyphen kept apart (so that <c>--epsilon</c> is not typeset as a dash).</summary>
    private static string EscapeLatexText(string s)
    {
        var sb = new StringBuilder();
        var code = false;
        foreach (var ch in s)
            sb.Append(ch switch
            {
                '`' => (code = !code) ? "\\texttt{" : "}",
                '-' when code => "-{}",
                '&' or '%' or '#' or '_' or '{' or '}' or '$' => "\\" + ch,
                '~' => "\\textasciitilde{}",
                '^' => "\\textasciicircum{}",
                '\\' => "\\textbackslash{}",
                '<' => "$<$",
                '>' => "$>$",
                '≤' => "$\\leq$",
                '≥' => "$\\geq$",
                '—' => "---",
                '–' => "--",
                _ => ch.ToString(),
            });
        return sb.ToString();
    }

    /// <summary>Escapes plain-text parts of a string whose math is between <c>$</c> signs; math is kept verbatim.</summary>
    private static string EscapeLatexOutsideMath(string s)
    {
        var parts = s.Split('$');
        var sb = new StringBuilder();
        for (int i = 0; i < parts.Length; i++)
            sb.Append(i % 2 == 1 ? "$" + parts[i] + "$" : EscapeLatexText(parts[i]));
        return sb.ToString();
    }
}
