using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Validation;

public class NeedsAndCycleTests
{
    [Fact]
    public void Load_UnknownNeed_ReportsHint()
    {
        SingleError(
            """
            name: demo
            tasks:
              extract:
                steps:
                  - uses: noop
              load:
                needs: [extrct]
                steps:
                  - uses: noop
            """,
            7, 13, "task 'load' needs unknown task 'extrct'", "(did you mean 'extract'?)");
    }

    [Fact]
    public void Load_UnknownNeedFarFromAnyTask_ReportsWithoutHint()
    {
        var diagnostic = SingleError(
            """
            name: demo
            tasks:
              extract:
                steps:
                  - uses: noop
              load:
                needs: zzz
                steps:
                  - uses: noop
            """,
            7, 12, "task 'load' needs unknown task 'zzz'");
        Assert.DoesNotContain("did you mean", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SelfNeed_ReportsItself()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                needs: [a]
                steps:
                  - uses: noop
            """,
            4, 13, "task 'a' needs itself");
    }

    [Fact]
    public void Load_CycleOfTwo_NamesThePath()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                needs: [b]
                steps:
                  - uses: noop
              b:
                needs: [a]
                steps:
                  - uses: noop
            """,
            8, 13, "tasks form a cycle: a -> b -> a", "(each needs the next)");
    }

    [Fact]
    public void Load_CycleOfThree_NamesThePath()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                needs: [c]
                steps:
                  - uses: noop
              b:
                needs: [a]
                steps:
                  - uses: noop
              c:
                needs: [b]
                steps:
                  - uses: noop
            """,
            8, 13, "tasks form a cycle: a -> c -> b -> a");
    }

    [Fact]
    public void Load_CycleBehindAnAcyclicTask_NamesOnlyTheCycle()
    {
        SingleError(
            """
            name: demo
            tasks:
              start:
                needs: [x]
                steps:
                  - uses: noop
              x:
                needs: [y]
                steps:
                  - uses: noop
              y:
                needs: [x]
                steps:
                  - uses: noop
            """,
            12, 13, "tasks form a cycle: x -> y -> x");
    }

    [Fact]
    public void Load_TwoSeparateCycles_ReportsBoth()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                needs: [b]
                steps:
                  - uses: noop
              b:
                needs: [a]
                steps:
                  - uses: noop
              x:
                needs: [z]
                steps:
                  - uses: noop
              y:
                needs: [x]
                steps:
                  - uses: noop
              z:
                needs: [y]
                steps:
                  - uses: noop
            """);
        Assert.Equal(2, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 8, 13, "tasks form a cycle: a -> b -> a");
        AssertDiagnostic(diagnostics[1], 16, 13, "tasks form a cycle: x -> z -> y -> x");
    }

    [Fact]
    public void Load_Diamond_IsNotACycle()
    {
        Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
              b:
                needs: [a]
                steps:
                  - uses: noop
              c:
                needs: [a]
                steps:
                  - uses: noop
              d:
                needs: [b, c]
                steps:
                  - uses: noop
            """);
    }

    [Fact]
    public void Load_CrossPlaybookNeedWithoutWithin_ReportsMissingWithin()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                needs:
                  - { playbook: other, task: load }
                steps:
                  - uses: noop
            """,
            5, 9, "task 'a' cross-playbook need has no 'within'", "within: 24h");
    }

    [Fact]
    public void Load_CrossPlaybookNeedWithoutTask_ReportsMissingTask()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                needs:
                  - { playbook: other, within: 1h }
                steps:
                  - uses: noop
            """,
            5, 9, "task 'a' cross-playbook need has no 'task'");
    }

    [Fact]
    public void Load_CrossPlaybookNeedNamingLocalTaskId_IsNotALocalNeed()
    {
        var playbook = Valid(
            """
            name: demo
            tasks:
              a:
                needs:
                  - { playbook: other, task: a, within: 1h }
                steps:
                  - uses: noop
            """);
        Assert.Empty(playbook.Tasks[0].Needs);
        Assert.Single(playbook.Tasks[0].Upstream);
    }

    [Fact]
    public void Load_NullNeedItem_ReportsExpectedTaskId()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
              b:
                needs: [a, ~]
                steps:
                  - uses: noop
            """,
            7, 16, "task 'b' 'needs': expected a task id or {playbook, task, within, wait}, found null");
    }
}
