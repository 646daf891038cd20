using System.Globalization;

namespace TheoryKit.Tests;

// The one number style of every text: expected strings written by hand.
public class NumbersTests
{
    [Fact]
    public void Each_style_writes_the_digits_it_names_with_a_point_in_any_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";   // a comma culture must not leak in
            CultureInfo.CurrentCulture = comma;
            Assert.Equal("1235", Numbers.G4(1234.5678));
            Assert.Equal("0.0001235", Numbers.G4(0.000123456));
            Assert.Equal("0.333333", Numbers.G6(1.0 / 3));
            Assert.Equal("0.1", Numbers.R(0.1));
            Assert.Equal("0.30000000000000004", Numbers.R(0.1 + 0.2));
            Assert.Equal("0.386", Numbers.Millis(0.3864));
            Assert.Equal("12", Numbers.Millis(12));
        }
        finally { CultureInfo.CurrentCulture = saved; }
    }

    [Fact]
    public void A_table_cell_names_infinity_and_a_missing_value()
    {
        Assert.Equal("inf", Numbers.Cell(double.PositiveInfinity));
        Assert.Equal("n/a", Numbers.Cell(double.NaN));
        Assert.Equal("2.5", Numbers.Cell(2.5));
    }
}
