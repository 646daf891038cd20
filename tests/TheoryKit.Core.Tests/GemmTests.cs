namespace TheoryKit.Tests;
