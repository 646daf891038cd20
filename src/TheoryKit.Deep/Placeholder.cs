namespace TheoryKit.Deep;

/// <summary>x</summary>
public static class Placeholder { }
