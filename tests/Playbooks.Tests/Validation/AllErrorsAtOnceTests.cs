using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Validation;

public class AllErrorsAtOnceTests
{
    private const string ManyErrors = """
        name: Bad_Name
        ownr: me
        params:
          n: { type: int, default: abc }
        on:
          schedule:
            - cron: "0 25 * * *"
              timezone: Mars/Base
        timeout: 5 minutes
        tasks:
          load:
            needs: [extrct]
            steps:
              - uses: htp
                with: { v: "${{ params.m }}" }
              - id: report
                uses: log
                with: { v: "${{ steps.later.output }}" }
          a:
            needs: [b]
            steps:
              - uses: noop
          b:
            needs: [a]
            steps:
              - uses: noop
        outputs:
          secret: "${{ secrets.KEY }}"
        """;

    [Fact]
    public void Load_FileWithManyDistinctErrors_ReportsEachOnceSortedByPosition()
    {
        var diagnostics = Errors(ManyErrors);
        Assert.True(diagnostics.Count == 12, "expected 12 diagnostics, got:\n" + Describe(diagnostics));
        AssertDiagnostic(diagnostics[0], 1, 7, "playbook name 'Bad_Name' is invalid");
        AssertDiagnostic(diagnostics[1], 2, 1, "unknown key 'ownr'", "(did you mean 'owner'?)");
        AssertDiagnostic(diagnostics[2], 4, 28, "param 'n': default does not fit type int");
        AssertDiagnostic(diagnostics[3], 7, 13, "cron '0 25 * * *' is invalid", "Hours");
        AssertDiagnostic(diagnostics[4], 8, 17, "unknown time zone 'Mars/Base'");
        AssertDiagnostic(diagnostics[5], 9, 10, "'timeout': expected a duration");
        AssertDiagnostic(diagnostics[6], 12, 13, "task 'load' needs unknown task 'extrct'");
        AssertDiagnostic(diagnostics[7], 14, 9, "uses unknown plugin 'htp'", "(did you mean 'http'?)");
        AssertDiagnostic(diagnostics[8], 15, 25, "unknown param 'm'", "(did you mean 'n'?)");
        AssertDiagnostic(diagnostics[9], 18, 25, "step 'later' has not run yet");
        AssertDiagnostic(diagnostics[10], 24, 13, "tasks form a cycle: a -> b -> a");
        AssertDiagnostic(diagnostics[11], 28, 16, "in run output 'secret': secrets cannot be used here");
    }

    [Fact]
    public void Load_FileWithManyErrors_IsSortedByLineThenColumn()
    {
        var diagnostics = Errors(ManyErrors);
        var sorted = diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column).ToList();
        Assert.Equal(sorted, diagnostics);
        Assert.Equal(diagnostics.Count, diagnostics.Distinct().Count());
    }

    [Fact]
    public void Load_SameInputTwice_GivesSameDiagnostics()
    {
        Assert.Equal(Errors(ManyErrors), Errors(ManyErrors));
    }

    [Fact]
    public void Load_ErrorsInEveryTask_AreAllReported()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: nope1
              b:
                steps:
                  - uses: nope2
              c:
                steps:
                  - uses: nope3
            """);
        Assert.Equal([5, 8, 11], diagnostics.Select(d => d.Line));
        Assert.All(diagnostics, d => Assert.Contains("unknown plugin", d.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void ToString_Diagnostic_IsFileLineColumnErrorMessage()
    {
        var diagnostic = new Diagnostic("p.yaml", new SourcePosition(3, 7), "boom");
        Assert.Equal("p.yaml:3:7: error: boom", diagnostic.ToString());
        Assert.Equal("3:7", new SourcePosition(3, 7).ToString());
    }
}
