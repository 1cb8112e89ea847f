using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Binding;

public class TypeErrorTests
{
    [Fact]
    public void Load_NameIsList_ReportsExpectedText()
    {
        SingleError(
            """
            name: [a]
            tasks:
              a:
                steps:
                  - uses: noop
            """,
            1, 7, "'name': expected text, found a list");
    }

    [Fact]
    public void Load_TasksIsList_ReportsExpectedMapping()
    {
        SingleError(
            """
            name: demo
            tasks: [a]
            """,
            2, 8, "tasks: expected a mapping of task ids to tasks, found a list");
    }

    [Fact]
    public void Load_TasksIsText_ReportsExpectedMappingQuotingTheText()
    {
        SingleError(
            """
            name: demo
            tasks: hello
            """,
            2, 8, "tasks: expected a mapping", "found 'hello'");
    }

    [Fact]
    public void Load_TasksEmpty_ReportsNoTasks()
    {
        SingleError(
            """
            name: demo
            tasks: {}
            """,
            2, 8, "playbook has no tasks");
    }

    [Fact]
    public void Load_NoNameNoTasks_ReportsBothAtDocumentStart()
    {
        var diagnostics = Errors("description: x\n");
        Assert.Equal(2, diagnostics.Count);
        HasError(diagnostics, 1, 1, "playbook has no 'name'");
        HasError(diagnostics, 1, 1, "playbook has no 'tasks'");
    }

    [Fact]
    public void Load_TaskIsNull_ReportsExpectedMapping()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
            """,
            3, 5, "task 'a': expected a mapping with 'steps', found null");
    }

    [Fact]
    public void Load_TaskWithoutSteps_ReportsNoSteps()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                description: hi
            """,
            4, 5, "task 'a' has no 'steps'");
    }

    [Fact]
    public void Load_StepsEmptyList_ReportsNoSteps()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps: []
            """,
            4, 12, "task 'a' has no steps");
    }

    [Fact]
    public void Load_StepsIsMapping_ReportsExpectedList()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps: { uses: noop }
            """,
            4, 12, "task 'a' 'steps': expected a list of steps, found a mapping");
    }

    [Fact]
    public void Load_StepIsText_ReportsExpectedMapping()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - noop
            """,
            5, 9, "task 'a' step 1: expected a mapping with 'uses', found 'noop'");
    }

    [Fact]
    public void Load_StepWithoutUses_ReportsMissingUses()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: x
            """,
            5, 9, "step 'x' of task 'a' has no 'uses'");
    }

    [Fact]
    public void Load_StepIdIsList_ReportsExpectedText()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: [x]
                    uses: noop
            """,
            5, 13, "task 'a' step 1 'id': expected text, found a list");
    }

    [Theory]
    [InlineData("3", "'3'")]
    [InlineData("\"true\"", "'true'")]
    [InlineData("yes", "'yes'")]
    [InlineData("[true]", "a list")]
    public void Load_FailFastNotBool_ReportsExpectedTrueOrFalse(string value, string found)
    {
        SingleError(
            $"""
            name: demo
            fail_fast: {value}
            {OneTask}
            """,
            2, 12, "'fail_fast': expected true or false, found " + found);
    }

    [Fact]
    public void Load_ContinueOnErrorNotBool_ReportsExpectedTrueOrFalse()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    continue_on_error: yes
            """,
            6, 28, "'continue_on_error': expected true or false, found 'yes'");
    }

    [Theory]
    [InlineData("0", "'concurrency' must be at least 1, found 0")]
    [InlineData("-2", "'concurrency' must be at least 1, found -2")]
    [InlineData("many", "'concurrency': expected a whole number, found 'many'")]
    [InlineData("1.5", "'concurrency': expected a whole number, found '1.5'")]
    [InlineData("\"2\"", "'concurrency': expected a whole number, found '2'")]
    [InlineData("{ n: 2 }", "'concurrency': expected a whole number, found a mapping")]
    public void Load_BadConcurrency_ReportsRangeOrType(string value, string message)
    {
        SingleError(
            $"""
            name: demo
            concurrency: {value}
            {OneTask}
            """,
            2, 14, message);
    }

    [Fact]
    public void Load_ConcurrencyBeyondInt_ReportsRangeWithUpperBound()
    {
        var diagnostic = SingleError(
            $"""
            name: demo
            concurrency: 99999999999
            {OneTask}
            """,
            2, 14, "'concurrency' must be", "found 99999999999");
        Assert.DoesNotContain("at least 1,", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HexAndOctalConcurrency_AreWholeNumbers()
    {
        Assert.Equal(16, Valid($"name: demo\nconcurrency: 0x10\n{OneTask}").Concurrency);
        Assert.Equal(8, Valid($"name: demo\nconcurrency: 0o10\n{OneTask}").Concurrency);
    }

    [Theory]
    [InlineData("0", "'max_parallel' must be from 1 to 10000, found 0")]
    [InlineData("10001", "'max_parallel' must be from 1 to 10000, found 10001")]
    [InlineData("two", "'max_parallel': expected a whole number, found 'two'")]
    public void Load_BadMaxParallel_ReportsRangeOrType(string value, string message)
    {
        SingleError(
            $"""
            name: demo
            tasks:
              a:
                foreach: [1, 2]
                max_parallel: {value}
                steps:
                  - uses: noop
            """,
            5, 19, message);
    }

    [Theory]
    [InlineData("{ attempts: 0 }", 3, 22, "'attempts' must be from 1 to 1000, found 0")]
    [InlineData("{ attempts: 1001 }", 3, 22, "'attempts' must be from 1 to 1000, found 1001")]
    [InlineData("{ attempts: x }", 3, 22, "'attempts': expected a whole number, found 'x'")]
    [InlineData("0", 3, 10, "retry: expected a mapping {attempts, delay, backoff, max_delay} or a number of attempts (1 to 1000), found '0'")]
    [InlineData("1001", 3, 10, "or a number of attempts (1 to 1000), found '1001'")]
    [InlineData("99999999999999999999999", 3, 10, "or a number of attempts (1 to 1000)")]
    [InlineData("often", 3, 10, "found 'often'")]
    [InlineData("[3]", 3, 10, "retry: expected a mapping {attempts, delay, backoff, max_delay}, found a list")]
    [InlineData("{ backoff: fast }", 3, 21, "'backoff': expected a number, found 'fast'")]
    [InlineData("{ backoff: 0.5 }", 3, 21, "'backoff' must be between 1.0 and 100, found 0.5")]
    [InlineData("{ backoff: 101 }", 3, 21, "'backoff' must be between 1.0 and 100, found 101")]
    [InlineData("{ backoff: .inf }", 3, 21, "'backoff': expected a number, found '.inf'")]
    [InlineData("{ delay: soon }", 3, 19, "'delay': expected a duration")]
    [InlineData("{ delay: 1m, max_delay: 10s }", 3, 34, "'max_delay' (10s) is shorter than 'delay' (1m)")]
    public void Load_BadRetry_ReportsAtTheValue(string retry, int line, int column, string message)
    {
        SingleError(
            $"""
            name: demo
            defaults:
              retry: {retry}
            {OneTask}
            """,
            line, column, message);
    }

    [Fact]
    public void Load_DefaultsIsText_ReportsExpectedMapping()
    {
        SingleError($"name: demo\ndefaults: 5m\n{OneTask}", 2, 11, "defaults: expected a mapping with 'retry' and 'timeout', found '5m'");
    }

    [Fact]
    public void Load_LabelsIsList_ReportsExpectedMapping()
    {
        SingleError($"name: demo\nlabels: [a]\n{OneTask}", 2, 9, "labels: expected a mapping of label names to text, found a list");
    }

    [Fact]
    public void Load_LabelValueIsMapping_ReportsExpectedText()
    {
        SingleError($"name: demo\nlabels: {{ a: {{ b: c }} }}\n{OneTask}", 2, 14, "label 'a': expected text, found a mapping");
    }

    [Fact]
    public void Load_ParamsIsList_ReportsExpectedMapping()
    {
        SingleError($"name: demo\nparams: [a]\n{OneTask}", 2, 9, "params: expected a mapping of param names to types, found a list");
    }

    [Fact]
    public void Load_ParamIsList_ReportsExpectedTypeOrMapping()
    {
        SingleError($"name: demo\nparams:\n  p: [int]\n{OneTask}", 3, 6, "param 'p': expected a type (string, int", "found a list");
    }

    [Fact]
    public void Load_ParamShorthandUnknownType_ReportsTypes()
    {
        SingleError($"name: demo\nparams:\n  p: integer\n{OneTask}", 3, 6, "param 'p': unknown type 'integer'", "types: string, int, number, bool, date, datetime, duration, choice, list, object");
    }

    [Fact]
    public void Load_ParamTypeMisspelt_ReportsHint()
    {
        SingleError($"name: demo\nparams:\n  p: {{ type: strin }}\n{OneTask}", 3, 14, "param 'p': unknown type 'strin'", "(did you mean 'string'?)");
    }

    [Fact]
    public void Load_ParamTypeIsList_ReportsExpectedTypeName()
    {
        SingleError($"name: demo\nparams:\n  p: {{ type: [int] }}\n{OneTask}", 3, 14, "param 'p': expected a type name, found a list");
    }

    [Fact]
    public void Load_OnIsList_ReportsExpectedMapping()
    {
        SingleError($"name: demo\non: [a]\n{OneTask}", 2, 5, "on: expected a mapping with 'schedule', 'events' or 'after', found a list");
    }

    [Fact]
    public void Load_EventsIsMapping_ReportsExpectedListOfText()
    {
        SingleError($"name: demo\non:\n  events: {{ a: 1 }}\n{OneTask}", 3, 11, "on.events: expected a list of text, found a mapping");
    }

    [Fact]
    public void Load_ScheduleEntryIsText_ReportsExpectedMapping()
    {
        SingleError($"name: demo\non:\n  schedule: [\"0 2 * * *\"]\n{OneTask}", 3, 14, "on.schedule entry: expected a mapping {cron, timezone");
    }

    [Fact]
    public void Load_AfterEntryIsText_ReportsExpectedMapping()
    {
        SingleError($"name: demo\non:\n  after: [other]\n{OneTask}", 3, 11, "on.after entry: expected a mapping {playbook, status}, found 'other'");
    }

    [Fact]
    public void Load_AfterStatusMisspelt_ReportsHint()
    {
        SingleError(
            $"name: demo\non:\n  after:\n    - {{ playbook: other, status: [succeded] }}\n{OneTask}",
            4, 35, "unknown run status 'succeded'", "(did you mean 'succeeded'?)", "use one of succeeded, failed, cancelled, timed_out, any");
    }

    [Fact]
    public void Load_NeedsIsMapping_ReportsExpectedIds()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                needs: { b: 1 }
                steps:
                  - uses: noop
            """,
            4, 12, "task 'a' 'needs': expected a task id or a list of task ids and {playbook, task, within, wait}, found a mapping");
    }

    [Fact]
    public void Load_NeedsItemIsList_ReportsExpectedId()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                needs: [[b]]
                steps:
                  - uses: noop
            """,
            4, 13, "task 'a' 'needs': expected a task id or {playbook, task, within, wait}, found a list");
    }

    [Fact]
    public void Load_TriggerRuleMisspelt_ReportsHintAndChoices()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                trigger_rule: all_sucess
                steps:
                  - uses: noop
            """,
            4, 19, "unknown trigger_rule 'all_sucess'", "(did you mean 'all_success'?)", "use one of all_success, all_done, all_failed, one_failed, one_success, none_failed");
    }

    [Fact]
    public void Load_CatchupAndOverlapWrong_ReportsBoth()
    {
        var diagnostics = Errors(
            $"""
            name: demo
            on:
              schedule:
                cron: "0 2 * * *"
                catchup: lates
                overlap: [skip]
            {OneTask}
            """);
        Assert.Equal(2, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 5, 14, "unknown catchup 'lates'", "(did you mean 'latest'?)", "use one of none, latest, all");
        AssertDiagnostic(diagnostics[1], 6, 14, "'overlap': expected one of skip, queue, allow, found a list");
    }

    [Fact]
    public void Load_OutputsNotMappings_ReportsTaskAndRunOutputs()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                outputs: [a]
            outputs: hello
            """);
        Assert.Equal(2, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 6, 14, "task 'a' outputs: expected a mapping of output names to values, found a list");
        AssertDiagnostic(diagnostics[1], 7, 10, "run outputs: expected a mapping of output names to values, found 'hello'");
    }

    [Fact]
    public void Load_ForeachIsPlainText_ReportsExpectedList()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                foreach: hello
                steps:
                  - uses: noop
            """,
            4, 14, "task 'a' 'foreach': expected a list, or one expression that gives a list, found 'hello'");
    }

    [Fact]
    public void Load_ForeachIsTextAroundExpression_ReportsExpectedList()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                foreach: "items: ${{ [1] }}"
                steps:
                  - uses: noop
            """,
            4, 14, "'foreach': expected a list, or one expression that gives a list");
    }

    [Theory]
    [InlineData("hello", "found 'hello'")]
    [InlineData("[1]", "found a list")]
    [InlineData("\"$${{ x }}\"", "found '$${{ x }}'")]
    public void Load_TaskIfNotAnExpression_ReportsExpectedExpression(string condition, string found)
    {
        SingleError(
            $"""
            name: demo
            tasks:
              a:
                if: {condition}
                steps:
                  - uses: noop
            """,
            4, 9, "task 'a' 'if': expected an expression such as \"${{ params.x > 1 }}\" or true/false", found);
    }

    [Fact]
    public void Load_StepIfNotAnExpression_ReportsExpectedExpression()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: s
                    uses: noop
                    if: sometimes
            """,
            7, 13, "step 's' of task 'a' 'if': expected an expression", "found 'sometimes'");
    }

    [Fact]
    public void Load_IfLiteralBooleans_AreConditions()
    {
        var playbook = Valid(
            """
            name: demo
            tasks:
              a:
                if: false
                steps:
                  - uses: noop
                    if: true
            """);
        Assert.NotNull(playbook.Tasks[0].If);
        Assert.NotNull(playbook.Tasks[0].Steps[0].If);
    }

    [Fact]
    public void Load_DescriptionIsMapping_ReportsExpectedText()
    {
        SingleError($"name: demo\ndescription: {{ a: 1 }}\n{OneTask}", 2, 14, "'description': expected text, found a mapping");
    }
}
