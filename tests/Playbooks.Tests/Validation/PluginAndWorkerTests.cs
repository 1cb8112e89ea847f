using Orleans.Workflow.Playbooks.Validation;
using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Validation;

public class PluginAndWorkerTests
{
    private const string CustomPluginStep = """
        name: demo
        tasks:
          a:
            steps:
              - id: render
                uses: render-report@2
        """;

    [Fact]
    public void Load_UnknownPlugin_ReportsKnownPluginsAndWorkerHint()
    {
        SingleError(
            CustomPluginStep,
            5, 9,
            "step 'render' of task 'a' uses unknown plugin 'render-report'",
            "known: http, log, noop, playbook, shell, sql, wait",
            "needs 'worker: QUEUE'");
    }

    [Fact]
    public void Load_MisspeltPlugin_ReportsHint()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: htp
            """,
            5, 9, "uses unknown plugin 'htp'", "(did you mean 'http'?)");
    }

    [Theory]
    [InlineData("noop")]
    [InlineData("log")]
    [InlineData("shell")]
    [InlineData("http")]
    [InlineData("sql")]
    [InlineData("playbook")]
    [InlineData("wait")]
    public void Load_BuiltInPlugin_IsKnown(string plugin)
    {
        Valid($"name: demo\ntasks:\n  a:\n    steps:\n      - uses: {plugin}\n");
    }

    [Fact]
    public void Load_CustomPluginRegistered_IsAccepted()
    {
        var options = PlaybookValidationOptions.Default.WithPlugins(["render-report"]);
        var playbook = Valid(CustomPluginStep, options);
        Assert.Equal("render-report", playbook.Tasks[0].Steps[0].Uses);
    }

    [Fact]
    public void WithPlugins_AddsToBuiltIns_WithoutChangingDefault()
    {
        var options = PlaybookValidationOptions.Default.WithPlugins(["custom"]);
        Assert.Contains("custom", options.KnownPlugins);
        Assert.Contains("http", options.KnownPlugins);
        Assert.DoesNotContain("custom", PlaybookValidationOptions.Default.KnownPlugins);
        Assert.Single(Errors("name: demo\ntasks:\n  a:\n    steps:\n      - uses: custom\n"));
    }

    [Fact]
    public void Load_CustomPluginRegistered_IsNamedInUnknownPluginMessage()
    {
        var options = PlaybookValidationOptions.Default.WithPlugins(["render-report"]);
        SingleError(
            "name: demo\ntasks:\n  a:\n    steps:\n      - uses: render-reprot\n",
            options,
            5, 9, "unknown plugin 'render-reprot'", "(did you mean 'render-report'?)", "render-report");
    }

    [Fact]
    public void Load_UnknownPluginOnStepWithWorker_IsAccepted()
    {
        Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: render-report@2
                    worker: reporting
            """);
    }

    [Fact]
    public void Load_UnknownPluginInTaskWithWorker_IsAccepted()
    {
        Valid(
            """
            name: demo
            tasks:
              a:
                worker: gpu-render
                steps:
                  - uses: rasterize
                  - uses: thumbnail
            """);
    }

    [Fact]
    public void Load_WorkerOnOneStepOnly_StillChecksTheOtherSteps()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: render
                    worker: q
                  - uses: thumbnail
            """,
            7, 9, "step 'step-2' of task 'a' uses unknown plugin 'thumbnail'");
    }

    [Fact]
    public void Load_QueueAndHeartbeatTimeoutWithoutWorker_ReportsBoth()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                    queue_timeout: 10m
                    heartbeat_timeout: 30s
            """);
        Assert.Equal(2, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 6, 24, "step 'step-1' of task 'a': 'queue_timeout' applies only to steps on an external worker");
        AssertDiagnostic(diagnostics[1], 7, 28, "'heartbeat_timeout' applies only to steps on an external worker", "set 'worker' on the step or its task");
    }

    [Fact]
    public void Load_QueueTimeoutWithTaskWorker_IsAccepted()
    {
        var step = Valid(
            """
            name: demo
            tasks:
              a:
                worker: gpu
                steps:
                  - uses: render
                    queue_timeout: 10m
                    heartbeat_timeout: 30s
            """).Tasks[0].Steps[0];
        Assert.Equal(TimeSpan.FromMinutes(10), step.QueueTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), step.HeartbeatTimeout);
    }

    [Fact]
    public void Load_MaxParallelWithNullForeach_ReportsForeachNeeded()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                foreach: ~
                max_parallel: 2
                steps:
                  - uses: noop
            """,
            5, 19, "'max_parallel' applies only to a task with 'foreach'");
    }

    [Fact]
    public void Load_MaxParallelWithoutForeach_ReportsForeachNeeded()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                max_parallel: 2
                steps:
                  - uses: noop
            """,
            4, 19, "task 'a': 'max_parallel' applies only to a task with 'foreach'");
    }
}
