using Orleans.Workflow.Playbooks.Validation;

namespace Orleans.Workflow.Playbooks.Tests.Validation;

public class SuggestionsTests
{
    [Theory]
    [InlineData("tasks", "tasks", 0)]
    [InlineData("taks", "tasks", 1)]
    [InlineData("tsaks", "tasks", 1)]
    [InlineData("needs", "need", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    public void Distance_Pairs_CountEdits(string a, string b, int expected)
    {
        Assert.Equal(expected, Suggestions.Distance(a, b));
        Assert.Equal(expected, Suggestions.Distance(b, a));
    }

    [Fact]
    public void Distance_LongInput_IsBoundedByLength()
    {
        Assert.Equal(100, Suggestions.Distance(new string('a', 100), "b"));
    }

    [Theory]
    [InlineData("timout", "timeout")]
    [InlineData("Timeout", "timeout")]
    [InlineData("retyr", "retry")]
    [InlineData("x", null)]
    [InlineData("completely_different", null)]
    public void Closest_Candidates_PicksNearWithinBudget(string input, string? expected)
    {
        Assert.Equal(expected, Suggestions.Closest(input, ["timeout", "retry", "needs"]));
    }

    [Fact]
    public void Hint_NoCandidates_IsEmpty()
    {
        Assert.Equal(string.Empty, Suggestions.Hint("abc", []));
        Assert.Equal(" (did you mean 'abd'?)", Suggestions.Hint("abc", ["abd"]));
    }
}
