using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Validation;

public class ExpressionReferenceTests
{
    /// <summary>A playbook whose task 'b' (with a param 'country') has one step that reads <paramref name="expression"/>; the expression text starts at 11:25.</summary>
    private static string InStep(string expression) => $$$"""
        name: demo
        params:
          country: string
        tasks:
          a:
            steps:
              - uses: noop
          b:
            steps:
              - uses: noop
                with: { v: "${{ {{{expression}}} }}" }
        """;

    [Fact]
    public void Load_TaskNotUpstream_ReportsAddToNeeds()
    {
        SingleError(InStep("tasks.a.outputs"), 11, 25, "in step 'step-1' of task 'b': task 'a' is not upstream of this point", "add it to 'needs'");
    }

    [Fact]
    public void Load_UnknownTask_ReportsHint()
    {
        SingleError(InStep("tasks.bb.outputs"), 11, 25, "in step 'step-1' of task 'b': unknown task 'bb'", "(did you mean 'b'?)");
    }

    [Fact]
    public void Load_TaskReferenceByIndexer_IsChecked()
    {
        SingleError(InStep("tasks['a'].outputs"), 11, 25, "task 'a' is not upstream of this point");
    }

    [Fact]
    public void Load_TransitiveUpstream_IsAllowed()
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
                needs: [b]
                if: "${{ tasks.a.status === 'succeeded' }}"
                steps:
                  - uses: noop
                    with: { v: "${{ tasks.a.outputs }}" }
                outputs:
                  o: "${{ tasks.a.outputs }}"
            """);
    }

    [Fact]
    public void Load_DownstreamTaskRead_IsNotUpstream()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    with: { v: "${{ tasks.b.outputs }}" }
              b:
                needs: [a]
                steps:
                  - uses: noop
            """,
            6, 25, "in step 'step-1' of task 'a': task 'b' is not upstream of this point");
    }

    [Fact]
    public void Load_UnknownTaskField_ReportsHint()
    {
        SingleError(
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
                    with: { v: "${{ tasks.a.output }}" }
            """,
            10, 25, "unknown field 'tasks.a.output'", "(did you mean 'outputs'?)", "a task has outputs and status");
    }

    [Fact]
    public void Load_LaterStep_HasNotRunYet()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: first
                    uses: noop
                    with: { v: "${{ steps.second.output }}" }
                  - id: second
                    uses: noop
            """,
            7, 25, "in step 'first' of task 'a': step 'second' has not run yet at this point", "earlier steps: none");
    }

    [Fact]
    public void Load_SameStep_HasNotRunYet()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: first
                    uses: noop
                    with: { v: "${{ steps.first.output }}" }
            """,
            7, 25, "step 'first' has not run yet at this point");
    }

    [Fact]
    public void Load_SameStepInItsOwnIf_HasNotRunYet()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: first
                    uses: noop
                  - id: second
                    uses: noop
                    if: "${{ steps.second.status === 'failed' }}"
            """,
            9, 18, "in step 'second' of task 'a': step 'second' has not run yet", "earlier steps: first");
    }

    [Fact]
    public void Load_MisspeltEarlierStep_ReportsHintAndEarlierSteps()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: fetch
                    uses: noop
                  - id: parse
                    uses: noop
                  - uses: noop
                    with: { v: "${{ steps.fetc.output }}" }
            """,
            10, 25, "step 'fetc' has not run yet at this point", "(did you mean 'fetch'?)", "earlier steps: fetch, parse");
    }

    [Fact]
    public void Load_StepOfAnotherTask_HasNotRunYet()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: fetch
                    uses: noop
              b:
                needs: [a]
                steps:
                  - uses: noop
                    with: { v: "${{ steps.fetch.output }}" }
            """,
            11, 25, "step 'fetch' has not run yet at this point", "earlier steps: none");
    }

    [Fact]
    public void Load_EarlierStepsAndAllStepsInOutputs_AreAllowed()
    {
        Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: one
                    uses: noop
                  - id: two
                    uses: noop
                    if: "${{ steps.one.status === 'succeeded' }}"
                    with: { v: "${{ steps.one.output }}" }
                outputs:
                  both: "${{ [steps.one.output, steps.two.output] }}"
            """);
    }

    [Fact]
    public void Load_UnknownStepField_ReportsHint()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - id: s
                    uses: noop
                  - uses: noop
                    with: { v: "${{ steps.s.outputs }}" }
            """,
            8, 25, "unknown field 'steps.s.outputs'", "(did you mean 'output'?)", "a step has output and status");
    }

    [Fact]
    public void Load_StepsInTaskIf_AreNotInScope()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                if: "${{ steps.x.output }}"
                steps:
                  - id: x
                    uses: noop
            """,
            4, 14, "in 'if' of task 'a': steps are not in scope here", "only within a task's steps and outputs");
    }

    [Fact]
    public void Load_StepsInTaskForeach_AreNotInScope()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                foreach: "${{ steps.x.output }}"
                steps:
                  - id: x
                    uses: noop
            """,
            4, 19, "in 'foreach' of task 'a': steps are not in scope here");
    }

    [Fact]
    public void Load_ItemAndIndexOutsideForeach_ReportsBoth()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    with: { v: "${{ item }}", i: "${{ index }}" }
            """);
        Assert.Equal(2, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 6, 25, "'item' is only in scope in the steps and outputs of a task with 'foreach'");
        AssertDiagnostic(diagnostics[1], 6, 43, "'index' is only in scope");
    }

    [Fact]
    public void Load_ItemInForeachTaskIf_IsNotInScope()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                foreach: [1, 2]
                if: "${{ item > 1 }}"
                steps:
                  - uses: noop
            """,
            5, 14, "in 'if' of task 'a': 'item' is only in scope");
    }

    [Fact]
    public void Load_ItemInRunOutput_IsNotInScope()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                foreach: [1, 2]
                steps:
                  - uses: noop
            outputs:
              o: "${{ item }}"
            """,
            8, 11, "in run output 'o': 'item' is only in scope");
    }

    [Fact]
    public void Load_ItemAndIndexInForeachStepsAndOutputs_AreAllowed()
    {
        Valid(
            """
            name: demo
            tasks:
              a:
                foreach: [1, 2]
                steps:
                  - uses: noop
                    if: "${{ index > 0 }}"
                    with: { v: "${{ item }}", i: "${{ index }}" }
                outputs:
                  o: "${{ item + index }}"
            """);
    }

    [Fact]
    public void Load_SecretsInOutputs_AreRefused()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                outputs:
                  o: "${{ secrets.TOKEN }}"
            outputs:
              r: "token ${{ secrets.TOKEN }}"
            """);
        Assert.Equal(2, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 7, 15, "in output 'o' of task 'a': secrets cannot be used here", "never stored");
        AssertDiagnostic(diagnostics[1], 9, 17, "in run output 'r': secrets cannot be used here");
    }

    [Fact]
    public void Load_SecretsInParamDefaultAndScheduleParams_AreRefused()
    {
        var diagnostics = Errors(
            """
            name: demo
            params:
              token: { type: string, default: "${{ secrets.T }}" }
            on:
              schedule:
                - cron: "0 2 * * *"
                  params: { token: "${{ secrets.T }}" }
            tasks:
              a:
                steps:
                  - uses: noop
            """);
        Assert.Equal(2, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 3, 40, "in default of param 'token': secrets cannot be used here");
        AssertDiagnostic(diagnostics[1], 7, 29, "in schedule param 'token': secrets cannot be used here");
    }

    [Fact]
    public void Load_SecretsInStepsAndConditions_AreAllowed()
    {
        Valid(
            """
            name: demo
            tasks:
              a:
                if: "${{ secrets.ENABLED === 'yes' }}"
                steps:
                  - uses: noop
                    if: "${{ secrets.X !== '' }}"
                    with: { h: "Bearer ${{ secrets.TOKEN }}" }
            """);
    }

    [Fact]
    public void Load_UnknownParam_ReportsHint()
    {
        SingleError(InStep("params.contry"), 11, 25, "in step 'step-1' of task 'b': unknown param 'contry'", "(did you mean 'country'?)");
    }

    [Fact]
    public void Load_UnknownParamWithNoParamsDeclared_ReportsWithoutHint()
    {
        var diagnostic = SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    with: { v: "${{ params.x }}" }
            """,
            6, 25, "unknown param 'x'");
        Assert.DoesNotContain("did you mean", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WholeParamsObject_IsAllowed()
    {
        Valid(InStep("Object.keys(params)"));
    }

    [Theory]
    [InlineData("run.idd", "unknown field 'run.idd'", "(did you mean 'id'?)")]
    [InlineData("run.stared_at", "unknown field 'run.stared_at'", "(did you mean 'started_at'?)")]
    [InlineData("run.trigger.knd", "unknown field 'run.trigger.knd'", "(did you mean 'kind'?)")]
    [InlineData("run.trigger.schedule", "unknown field 'run.trigger.schedule'", "run.trigger has kind, scheduled_at, event")]
    public void Load_UnknownRunField_ReportsHint(string expression, string what, string hint)
    {
        SingleError(InStep(expression), 11, 25, what, hint);
    }

    [Theory]
    [InlineData("run.id")]
    [InlineData("run.playbook + run.version + run.attempt")]
    [InlineData("run.started_at")]
    [InlineData("run.logical_date")]
    [InlineData("run.trigger.kind")]
    [InlineData("run.trigger.scheduled_at")]
    [InlineData("run.trigger.event")]
    [InlineData("run['trigger']['kind']")]
    [InlineData("run")]
    public void Load_KnownRunField_IsAllowed(string expression)
    {
        Valid(InStep(expression));
    }

    [Theory]
    [InlineData("Math.max(1, 2)")]
    [InlineData("JSON.stringify({ a: 1 })")]
    [InlineData("Date.now()")]
    [InlineData("[1, 2].map(x => x + 1)")]
    [InlineData("[1, 2].reduce((acc, x) => acc + x, 0)")]
    [InlineData("[{ a: 1 }].map(({ a }) => a)")]
    [InlineData("parseInt('3') + Number('4') + String(5).length")]
    [InlineData("encodeURIComponent(params.country)")]
    [InlineData("undefined === null || NaN !== Infinity")]
    [InlineData("(function f(n) { return n; })(1)")]
    public void Load_JavaScriptGlobalsAndLocals_AreAllowed(string expression)
    {
        Valid(InStep(expression));
    }

    [Theory]
    [InlineData("foo + 1", "unknown name 'foo'", "in scope: params, run, tasks, steps, item, index, secrets")]
    [InlineData("parms.country", "unknown name 'parms'", "(did you mean 'params'?)")]
    [InlineData("console.log(1)", "unknown name 'console'", "in scope:")]
    [InlineData("require('fs')", "unknown name 'require'", "in scope:")]
    [InlineData("process.env", "unknown name 'process'", "in scope:")]
    public void Load_UnknownFreeName_ReportsInScopeNames(string expression, string what, string detail)
    {
        SingleError(InStep(expression), 11, 25, "in step 'step-1' of task 'b': " + what, detail);
    }

    [Fact]
    public void Load_ArrowParameterShadowsNothingOutside_StillChecksOtherNames()
    {
        var diagnostic = SingleError(InStep("[1].map(x => x + y)"), 11, 42, "unknown name 'y'");
        Assert.DoesNotContain("'x'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoUnknownNamesInOneExpression_ReportsEachAtItsColumn()
    {
        var diagnostics = Errors(InStep("foo + bar"));
        Assert.Equal(2, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 11, 25, "unknown name 'foo'");
        AssertDiagnostic(diagnostics[1], 11, 31, "unknown name 'bar'");
    }

    [Fact]
    public void Load_ParamsTasksStepsInParamDefault_AreNotInScope()
    {
        var diagnostics = Errors(
            """
            name: demo
            params:
              a: { type: string, default: x }
              b: { type: string, default: "${{ params.a }}" }
              c: { type: string, default: "${{ tasks.x }}" }
              d: { type: string, default: "${{ steps.x }}" }
              e: { type: string, default: "${{ run.id }}" }
            tasks:
              t:
                steps:
                  - uses: noop
            """);
        Assert.Equal(3, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 4, 36, "in default of param 'b': params are not in scope here (only 'run' is)");
        AssertDiagnostic(diagnostics[1], 5, 36, "in default of param 'c': tasks are not in scope here");
        AssertDiagnostic(diagnostics[2], 6, 36, "in default of param 'd': steps are not in scope here");
    }

    [Fact]
    public void Load_RunOutputs_MayReadAnyTaskButNoStep()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
            outputs:
              o: "${{ tasks.a.outputs }}"
              p: "${{ steps.x }}"
            """);
        var diagnostic = Assert.Single(diagnostics);
        AssertDiagnostic(diagnostic, 8, 11, "in run output 'p': steps are not in scope here");
    }

    [Fact]
    public void Load_ReferenceInLiteralBlock_PointsAtItsLineAndColumn()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: shell
                    with:
                      run: |
                        echo start
                        echo ${{ foo }}
            """,
            9, 22, "unknown name 'foo'");
    }

    [Fact]
    public void Load_ReferenceInLiteralBlockWithWindowsLineEndings_PointsAtItsLineAndColumn()
    {
        const string yaml = "name: demo\r\ntasks:\r\n  a:\r\n    steps:\r\n      - uses: shell\r\n        with:\r\n          run: |\r\n            echo start\r\n            echo ${{ foo }}\r\n";
        SingleError(yaml, 9, 22, "unknown name 'foo'");
    }

    [Fact]
    public void Load_ReferenceInsideLongerText_PointsAtTheName()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    with:
                      url: "https://x/${{ item }}/y?run=${{ run.id }}"
            """,
            7, 31, "'item' is only in scope");
    }
}
