using System.Diagnostics;
using TheoryKit.Experiments;
using TheoryKit.Tables;
using Xunit;

namespace TheoryKit.Core.Tests;

public class TableTests
{
    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "TheoryKit.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("TheoryKit.sln not found above the test folder");
    }

    private static IReadOnlyList<Cell> Row(Table t, int i) => t.Rows[i];

    [Theory]
    [InlineData(66.3415, "66.34")]
    [InlineData(88020.0, "88020")]
    [InlineData(1153692999.0, "1.154e9")]
    [InlineData(0.479853, "0.4799")]
    [InlineData(0.0625 / 100, "6.250e-4")]
    [InlineData(100000.0, "1.000e5")]
    [InlineData(99999.0, "99999")]
    [InlineData(32404.5, "3.240e4")]
    [InlineData(10000.000000000002, "1.000e4")]
    [InlineData(9999.99, "1.000e4")]
    [InlineData(9999.4, "9999")]
    [InlineData(1439.115683, "1439")]
    [InlineData(0.001, "0.001")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(double.PositiveInfinity, "inf")]
    public void Short_numbers_have_four_significant_digits(double x, string expected) =>
        Assert.Equal(expected, TableFormat.Short(x));

    [Theory]
    [InlineData(1153692999.0, "$1.154 \\times 10^{9}$")]
    [InlineData(100000.0, "$1.000 \\times 10^{5}$")]
    [InlineData(6.25e-6, "$6.250 \\times 10^{-6}$")]
    [InlineData(66.3415, "66.34")]
    [InlineData(-3.0, "$-3$")]
    public void Latex_numbers_use_times_ten_to_the(double x, string expected) =>
        Assert.Equal(expected, TableFormat.Latex(x));

    [Theory]
    [InlineData(1153692999.0, "1153692999")]
    [InlineData(36.84136148790474, "36.84136149")]
    [InlineData(4.506613277e14, "450661327700000")]
    [InlineData(1.760395811e12, "1760395811000")]
    [InlineData(1.2345678912e20, "1.234567891E+20")]
    public void Long_numbers_have_ten_significant_digits(double x, string expected) =>
        Assert.Equal(expected, TableFormat.Long(x));

    private static readonly Table Small = new("small", "A small table", "Caption with $\\gamma$ and 5% & more.",
        [new("name", "name", IsText: true), new("x", "$x$"), new("m", "$m^*$")],
        [
            [Cell.Of("a, b"), 1.5, new Cell(16, Relation: "<=")],
            [Cell.Of("c|d"), Cell.Missing, 32],
        ]);

    [Fact]
    public void Csv_quotes_commas_and_adds_a_relation_column()
    {
        Assert.Equal("name,x,m,m_relation\n\"a, b\",1.5,16,<=\nc|d,,32,\n", TableFormat.Csv(Small));
    }

    [Fact]
    public void Markdown_escapes_pipes_and_shows_relations_and_dashes()
    {
        var md = TableFormat.Markdown(Small);
        Assert.Equal(
            "### A small table\n\nCaption with $\\gamma$ and 5% & more.\n\n| name | $x$ | $m^*$ |\n|:---|---:|---:|\n"
            + "| a, b | 1.5 | <= 16 |\n| c\\|d | — | 32 |\n", md);
    }

    [Fact]
    public void Latex_escapes_text_outside_math_and_uses_booktabs()
    {
        var tex = TableFormat.LatexTable(Small);
        Assert.Contains("\\caption{A small table. Caption with $\\gamma$ and 5\\% \\& more.}", tex);
        Assert.Contains("\\label{tab:small}", tex);
        Assert.Contains("\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n\\begin{tabular}{lrr}\n", tex);
        Assert.Contains("\\toprule\nname & $x$ & $m^*$ \\\\\n\\midrule\n", tex);
        Assert.Contains("a, b & 1.5 & $\\leq$ 16 \\\\\n", tex);
        Assert.Contains("c|d & -- & 32 \\\\\n\\bottomrule\n\\end{tabular}}\n", tex);
        var code = TableFormat.LatexTable(Small with { Caption = "Run `theorykit x --seed 0` & see." });
        Assert.Contains("Run \\texttt{theorykit x -{}-{}seed 0} \\& see.}", code);
    }

    [Fact]
    public void Json_keeps_relations_and_nulls()
    {
        var j = TableFormat.JsonText(TableFormat.Json(Small));
        Assert.Contains("\"m\": {\n        \"relation\": \"<=\",\n        \"value\": 16\n      }", j);
        Assert.Contains("\"x\": null", j);
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_cells_is_refused()
    {
        var bad = Small with { Rows = [[Cell.Of("only one")]] };
        Assert.Throws<ArgumentException>(() => TableFormat.Csv(bad));
    }

    [Fact]
    public void Jt20_first_row_is_the_worked_example_of_THEORY_md()
    {
        // THEORY.md §7: n = 1000, delta = 0.1, eps = 0.1, gamma = 0.5 give lambda = 66.34, M = 1.15e9, T = 88,020
        // (to more digits, Python: lambda = 66.33995424, M = 1.153693e9).
        var t = TheoryTables.Jt20Worked(new TableSettings());
        var r = Row(t, 0);
        Assert.Equal([1000.0, 0.1, 0.1, 0.5], r.Skip(1).Take(4).Select(c => c.Value!.Value));
        Assert.Equal(66.33995424, r[5].Value!.Value, Tolerance.Digits(8));
        Assert.Equal(1.153693e9, r[6].Value!.Value, Tolerance.Significant(1.153693e9, 7));
        Assert.Equal(88020.0, r[7].Value!.Value);
        // At m = M the radius 4 lambda / (gamma sqrt(M)) equals gamma^2 / 16 (M = 4096 lambda^2 / gamma^6).
        Tolerance.AssertRounding(0.5 * 0.5 / 16, r[8].Value!.Value);
        Tolerance.AssertRounding(0.01 * 0.01 / 16, Row(t, 5)[8].Value!.Value);
        Assert.Equal(["worked example", "n", "delta", "epsilon", "gamma", "gamma"], t.Rows.Select(x => x[0].Text));
    }

    [Fact]
    public void Jt20_cases_change_one_parameter_from_any_base()
    {
        var cases = TheoryTables.Jt20Cases(new TableSettings { N = 60000, Delta = 0.01 });
        Assert.Equal("base", cases[0].Varied);
        Assert.Equal((60000, 0.01), (cases[0].Parameters.N, cases[0].Parameters.Delta));
        Assert.Equal(1000, cases[1].Parameters.N);        // n changed away from the base 60000
        Assert.Equal(0.1, cases[2].Parameters.Delta);     // delta changed away from the base 0.01
        Assert.Equal([(0.5, 0.1), (0.5, 0.1), (0.5, 0.1), (0.5, 0.01), (0.1, 0.1), (0.01, 0.1)],
            cases.Select(c => (c.Parameters.Gamma, c.Parameters.Epsilon)));
    }

    [Fact]
    public void Bounds_table_matches_the_closed_forms_by_hand()
    {
        var t = TheoryTables.Bounds(new TableSettings { Gammas = [0.1], Epsilons = [0.01], CSoft = 2, CHard = 3 });
        var r = Row(t, 0);
        Tolerance.AssertRounding(2 / (0.1 * 0.1 * 0.01), r[2].Value!.Value);           // c_soft / (gamma^2 eps) = 20000
        Tolerance.AssertRounding(3 * Math.Log(100) / 1e-4, r[3].Value!.Value);        // c_hard ln(1/eps) / gamma^4
        Tolerance.AssertRounding(3 * Math.Log(100) / 1e-4 / 20000, r[4].Value!.Value);
        // [JT20]: lambda = (sqrt(2 ln(4000/0.1)) + ln(400)) / 0.025, M = 4096 lambda^2 / 1e-6.
        var lambda = (Math.Sqrt(2 * Math.Log(40000)) + Math.Log(400)) / 0.025;
        Tolerance.AssertRounding(4096 * lambda * lambda / 1e-6, r[5].Value!.Value);
        Assert.Contains("rate, constant c", t.Caption);
    }

    [Fact]
    public void Crossover_table_gives_the_published_rate_crossovers_and_no_jt20_crossing()
    {
        // THEORY.md §8: eps = 0.1 gives gamma* = 0.4799, eps = 0.01 gives 0.2146 (c = 1); to 8 decimals (Python,
        // sqrt(eps ln(1/eps))): 0.47985259 and 0.21459660.
        var t = TheoryTables.CrossoverTable(new TableSettings { Epsilons = [0.1, 0.01] });
        Assert.Equal(0.47985259, Row(t, 0)[1].Value!.Value, Tolerance.Digits(8));
        Assert.Equal(0.21459660, Row(t, 1)[1].Value!.Value, Tolerance.Digits(8));
        // M / m_soft = 4096 lambda^2 eps / gamma^4 with lambda = 8 (sqrt(2 ln 40000) + ln 40) at gamma = 1/2:
        // far above 1 at every gamma <= 1/2, so the two never cross there.
        var lambda = (Math.Sqrt(2 * Math.Log(40000)) + Math.Log(40)) / 0.125;
        Assert.Equal("none in [1e-6, 1/2]", Row(t, 0)[3].Text);
        Tolerance.AssertRounding(4096 * lambda * lambda * 0.1 / Math.Pow(0.5, 4), Row(t, 0)[4].Value!.Value);
    }

    [Fact]
    public void Crossover_above_one_half_is_read_as_soft_smaller_everywhere()
    {
        // eps = 0.2: sqrt(0.2 ln 5) = 0.5674 > 1/2.
        var t = TheoryTables.CrossoverTable(new TableSettings { Epsilons = [0.2] });
        Tolerance.AssertRounding(Math.Sqrt(0.2 * Math.Log(5)), Row(t, 0)[1].Value!.Value);
        Assert.Equal("gamma* > 1/2: soft smaller at every margin", Row(t, 0)[2].Text);
    }

    [Theory]
    [InlineData("gamma", 0.0)]
    [InlineData("gamma", 0.6)]
    [InlineData("epsilon", 1.0)]
    public void Impossible_settings_are_refused_naming_the_parameter(string field, double value)
    {
        var s = field == "gamma" ? new TableSettings { Gammas = [0.1, value] } : new TableSettings { Epsilons = [value] };
        var e = Assert.Throws<InputException>(() => TheoryTables.Analytic(s));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Repeated_grid_values_are_refused()
    {
        var e = Assert.Throws<InputException>(() => TheoryTables.Bounds(new TableSettings { Gammas = [0.1, 0.1] }));
        Assert.Equal("gamma", e.Field);
    }

    private static MinimalWidth Inside(int w, int lo) => new("rate", w, lo, w, null, null, "");
    private static MinimalWidth Smallest(int w) => new("rate", w, null, w, null, null, "");
    private static MinimalWidth Beyond(int lo) => new("rate", null, lo, null, null, null, "");

    [Fact]
    public void Censored_minimal_widths_and_looseness_carry_their_relation()
    {
        Assert.Equal(new Cell(64), EmpiricalTables.MinimalWidthCell(Inside(64, 32)));
        Assert.Equal(new Cell(2, Relation: "<="), EmpiricalTables.MinimalWidthCell(Smallest(2)));
        Assert.Equal(new Cell(2048, Relation: ">"), EmpiricalTables.MinimalWidthCell(Beyond(2048)));
        Assert.Equal(Cell.Missing, EmpiricalTables.MinimalWidthCell(null));
        // bound / m*: exact inside the grid; m* <= 2 gives bound / m* >= bound / 2; m* > 2048 gives < bound / 2048.
        Assert.Equal(new Cell(1000.0 / 64), EmpiricalTables.LoosenessCell(1000, Inside(64, 32)));
        Assert.Equal(new Cell(500, Relation: ">="), EmpiricalTables.LoosenessCell(1000, Smallest(2)));
        Assert.Equal(new Cell(1000.0 / 2048, Relation: "<"), EmpiricalTables.LoosenessCell(1000, Beyond(2048)));
        Assert.Equal(Cell.Missing, EmpiricalTables.LoosenessCell(null, Inside(64, 32)));
    }

    private static readonly string[] AnalyticFiles =
        ["bounds.md", "bounds.csv", "bounds.tex", "jt20.md", "jt20.csv", "jt20.tex", "crossover.md", "crossover.csv", "crossover.tex"];

    [Fact]
    public void Committed_analytic_tables_are_what_the_code_writes()
    {
        var dir = Path.Combine(RepoRoot(), "theory", "tables");
        var expected = new Dictionary<string, string>();
        foreach (var t in TheoryTables.Analytic(new TableSettings()))
        {
            expected[t.Id + ".md"] = TableFormat.Markdown(t);
            expected[t.Id + ".csv"] = TableFormat.Csv(t);
            expected[t.Id + ".tex"] = TableFormat.LatexTable(t);
        }
        Assert.Equal(AnalyticFiles.Order(), expected.Keys.Order());
        foreach (var (name, text) in expected)
            Assert.True(text == File.ReadAllText(Path.Combine(dir, name)),
                $"theory/tables/{name} is out of date: run `theorykit tables` and commit theory/tables");
    }

    [Fact]
    public void Committed_latex_tables_compile_with_pdflatex_and_fit_the_page()
    {
        var tables = Path.Combine(RepoRoot(), "theory", "tables");
        var tex = Directory.GetFiles(tables, "*.tex").Select(Path.GetFileName).Order().ToArray();
        Assert.Superset(AnalyticFiles.Where(f => f.EndsWith(".tex", StringComparison.Ordinal)).ToHashSet(), tex.ToHashSet()!);
        var dir = Directory.CreateTempSubdirectory("theorykit-latex-").FullName;
        try
        {
            foreach (var f in tex) File.Copy(Path.Combine(tables, f!), Path.Combine(dir, f!));
            File.WriteAllText(Path.Combine(dir, "doc.tex"),
                "\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage{graphicx}\n\\begin{document}\n"
                + string.Concat(tex.Select(f => $"\\input{{{f}}}\n")) + "\\end{document}\n");
            var psi = new ProcessStartInfo("pdflatex", "-interaction=nonstopmode -halt-on-error doc.tex")
            {
                WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            Process p;
            try { p = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception)
            {
                Assert.Fail("pdflatex not found: install Debian's texlive-latex-base and texlive-latex-recommended (README, test command)");
                return;
            }
            var log = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, "pdflatex failed:\n" + log[Math.Max(0, log.Length - 3000)..]);
            Assert.True(new FileInfo(Path.Combine(dir, "doc.pdf")).Length > 1000);
            // Every table fits the text width of a plain article (wide ones are scaled down).
            var overfull = File.ReadAllLines(Path.Combine(dir, "doc.log")).Where(l => l.StartsWith("Overfull \\hbox", StringComparison.Ordinal)).ToList();
            Assert.True(overfull.Count == 0, "tables wider than the page:\n" + string.Join("\n", overfull));
        }
        finally { Directory.Delete(dir, true); }
    }
}
