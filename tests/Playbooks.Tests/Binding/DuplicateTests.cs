using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Binding;

public class DuplicateTests
{
    [Fact]
    public void Load_DuplicateTaskId_ReportsDuplicateKeyWithFirstPosition()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
              a:
                steps:
                  - uses: log
            """,
            6, 3, "duplicate key 'a' (first at line 3, column 3)");
    }

    [Fact]
    public void Load_DuplicateTopLevelKey_ReportsDuplicateKey()
    {
        SingleError(
            $"""
            name: demo
            name: other
            {OneTask}
            """,
            2, 1, "duplicate key 'name' (first at line 1, column 1)");
    }

    [Fact]
    public void Load_DuplicateParam_ReportsDuplicateKey()
    {
        SingleError(
            $"""
            name: demo
            params:
              p: int
              p: string
            {OneTask}
            """,
            4, 3, "duplicate key 'p' (first at line 3, column 3)");
    }

    [Fact]
    public void Load_DuplicateKeyInFlowMapping_ReportsDuplicateKey()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - { uses: noop, uses: log }
            """,
            5, 23, "duplicate key 'uses' (first at line 5, column 11)");
    }

    [Fact]
    public void Load_QuotedAndPlainSameKey_AreDuplicates()
    {
        SingleError(
            $"""
            name: demo
            "name": other
            {OneTask}
            """,
            2, 1, "duplicate key 'name'");
    }

    [Fact]
    public void Load_DuplicateStepId_ReportsFirstPosition()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: s
                    uses: noop
                  - id: s
                    uses: noop
            """,
            7, 9, "task 'a': duplicate step id 's' (first at line 5, column 9)");
    }

    [Fact]
    public void Load_ExplicitIdCollidingWithDefaultId_ReportsDuplicateStepId()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                  - id: step-1
                    uses: noop
            """,
            6, 9, "task 'a': duplicate step id 'step-1' (first at line 5, column 9)");
    }

    [Fact]
    public void Load_SameStepIdInTwoTasks_IsAccepted()
    {
        Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: s
                    uses: noop
              b:
                steps:
                  - id: s
                    uses: noop
            """);
    }

    [Fact]
    public void Load_DuplicateNeed_ReportsSecondOccurrence()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
              b:
                needs: [a, a]
                steps:
                  - uses: noop
            """,
            7, 16, "task 'b' needs 'a' twice");
    }

    [Fact]
    public void Load_DuplicateChoiceOption_ReportsOption()
    {
        SingleError(
            $$"""
            name: demo
            params:
              mode: { type: choice, options: [fast, slow, fast] }
            {{OneTask}}
            """,
            3, 34, "param 'mode': option 'fast' is listed twice");
    }

    [Fact]
    public void Load_DuplicateEvent_ReportsSecondOccurrence()
    {
        SingleError($"name: demo\non:\n  events: [x, x]\n{OneTask}", 3, 15, "event 'x' is listed twice");
    }
}
