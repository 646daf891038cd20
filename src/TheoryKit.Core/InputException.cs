namespace TheoryKit;

/// <summary>
/// Bad user input: a missing or malformed file, a value that is not a number, a wrong dimension,
/// labels that are not two classes, a zero vector, or impossible parameters.
/// The message is one line naming the file, the line (1-based) and the field where they are known,
/// e.g. <c>data.csv:17: field 'x3': cannot parse 'abc' as a number</c>.
/// Hosts print <see cref="Exception.Message"/> and exit with code 2.
/// </summary>
public sealed class InputException : Exception
{
    /// <summary>File (or data source) the error is in, or null for a bare parameter.</summary>
    public string? File { get; }
    /// <summary>1-based line number, or null when the error is not tied to a line.</summary>
    public int? Line { get; }
    /// <summary>Field or parameter name, or null.</summary>
    public string? Field { get; }
    /// <summary>The reason alone, without location.</summary>
    public string Reason { get; }

    /// <summary>Creates an input error; <paramref name="reason"/> must be one line.</summary>
    public InputException(string? source, int? line, string? field, string reason)
        : base(Format(source, line, field, reason))
    {
        File = source; Line = line; Field = field; Reason = reason;
    }

    /// <summary>An error about a parameter (no file): <c>parameter 'epsilon': must lie in (0, 1), got 2</c>.</summary>
    public static InputException Parameter(string name, string reason) => new(null, null, name, reason);

    private static string Format(string? source, int? line, string? field, string reason)
    {
        var where = source is null ? "" : line is null ? source + ": " : $"{source}:{line}: ";
        var what = field is null ? "" : source is null ? $"parameter '{field}': " : $"field '{field}': ";
        return (where + what + reason).Replace('\n', ' ').Replace('\r', ' ');
    }
}
