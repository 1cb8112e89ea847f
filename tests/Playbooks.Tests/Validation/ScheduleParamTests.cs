using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Validation;

public class ScheduleParamTests
{
    private static string WithScheduleParams(string parameters) => $$"""
        name: demo
        params:
          full_refresh: bool
          n: { type: int, default: 1 }
          mode: { type: choice, options: [fast, slow], default: fast }
        on:
          schedule:
            - cron: "0 2 * * *"
              params: {{parameters}}
        tasks:
          a:
            steps:
              - uses: noop
        """;

    [Fact]
    public void Load_ScheduleSetsUnknownParam_ReportsHint()
    {
        SingleError(WithScheduleParams("{ full_refesh: true }"), 9, 30, "schedule sets unknown param 'full_refesh'", "(did you mean 'full_refresh'?)");
    }

    [Fact]
    public void Load_ScheduleSetsUnknownParamFarFromAny_ReportsWithoutHint()
    {
        var diagnostic = SingleError(WithScheduleParams("{ zzz: 1 }"), 9, 22, "schedule sets unknown param 'zzz'");
        Assert.DoesNotContain("did you mean", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ n: abc }", 9, 20, "schedule param 'n' does not fit type int", "expected a whole number, got \"abc\"")]
    [InlineData("{ full_refresh: sometimes }", 9, 31, "schedule param 'full_refresh' does not fit type bool", "expected true or false")]
    [InlineData("{ mode: turbo }", 9, 23, "schedule param 'mode' does not fit type choice", "expected one of fast, slow, got \"turbo\"")]
    [InlineData("{ n: null }", 9, 20, "schedule param 'n' does not fit type int", "no value (null)")]
    public void Load_ScheduleParamNotFittingType_ReportsAtTheValue(string parameters, int line, int column, string what, string problem)
    {
        SingleError(WithScheduleParams(parameters), line, column, what, problem);
    }

    [Theory]
    [InlineData("{ n: \"5\", full_refresh: \"yes\", mode: slow }")]
    [InlineData("{ full_refresh: false }")]
    [InlineData("{ n: \"${{ run.attempt }}\" }")]
    public void Load_ScheduleParamsFittingTypes_AreAccepted(string parameters)
    {
        Valid(WithScheduleParams(parameters));
    }

    [Fact]
    public void Load_ScheduleParamsWithSeveralProblems_ReportsEach()
    {
        var diagnostics = Errors(WithScheduleParams("{ full_refesh: true, n: abc, zzz: 1 }"));
        Assert.Equal(3, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 9, 30, "unknown param 'full_refesh'");
        AssertDiagnostic(diagnostics[1], 9, 39, "schedule param 'n' does not fit type int");
        AssertDiagnostic(diagnostics[2], 9, 49, "unknown param 'zzz'");
    }

    [Fact]
    public void Load_ScheduleParamReadingParams_IsNotInScope()
    {
        SingleError(WithScheduleParams("{ n: \"${{ params.n }}\" }"), 9, 25, "in schedule param 'n': params are not in scope here (only 'run' is)");
    }
}
