using System.Text.Json.Nodes;

namespace Orleans.Workflow.Cli.Tests;

/// <summary><c>owf run</c> end to end: an embedded silo in this process, real shell steps.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Run_HelloExample_ExitsZeroAndPrintsOutputs()
    {
        var result = await CliKit.RunAsync("run", Path.Combine(CliKit.ExamplesDirectory, "hello.yaml"), "-p", "name=Tester");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Hello, Tester! (greeting number 1)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"greeted\": 4", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("run started", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("step greet[3].say succeeded", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Json_PrintsOnlyTheSnapshotWithItsStableShape()
    {
        var result = await CliKit.RunAsync("run", Path.Combine(CliKit.ExamplesDirectory, "hello.yaml"), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var snapshot = JsonNode.Parse(result.Stdout)!.AsObject();
        foreach (var key in new[] { "id", "playbook", "version", "status", "owner", "outputs", "error", "tasks" })
        {
            Assert.True(snapshot.ContainsKey(key), $"snapshot has no '{key}': {result.Stdout}");
        }

        Assert.Equal("succeeded", snapshot["status"]!.GetValue<string>());
        Assert.Equal("examples", snapshot["owner"]!.GetValue<string>());
        var prepare = snapshot["tasks"]!["prepare"]!;
        Assert.Equal("succeeded", prepare["status"]!.GetValue<string>());
        var step = prepare["steps"]![0]!.AsObject();
        foreach (var key in new[] { "id", "status", "attempts", "output", "error", "started_at", "ended_at" })
        {
            Assert.True(step.ContainsKey(key), $"step has no '{key}'");
        }

        Assert.False(prepare.AsObject().ContainsKey("instances"));
        var instances = snapshot["tasks"]!["greet"]!["instances"]!.AsArray();
        Assert.Equal(4, instances.Count);
        Assert.Equal(["World", "Ada", "Grace", "Linus"], instances.Select(i => i!["item"]!.GetValue<string>()));
        Assert.All(instances, i => Assert.Equal("say", i!["steps"]![0]!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Run_Json_SaysAManualTriggerAndTodaysLogicalDate()
    {
        var before = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var result = await CliKit.RunAsync("run", Path.Combine(CliKit.ExamplesDirectory, "hello.yaml"), "--json");
        var after = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(result.ExitCode == 0, result.ToString());
        var snapshot = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("manual", (string?)snapshot["trigger"]!["kind"]);
        Assert.Null(snapshot["trigger"]!["scheduled_at"]);
        Assert.Contains((string?)snapshot["logical_date"], new[] { before, after });
    }

    [Fact]
    public async Task Run_FailingStep_ExitsOneNamesRootCauseAndStillRunsIndependentTasks()
    {
        var file = _files.Write("failing.yaml", """
            name: failing
            owner: team-a
            tasks:
              broken:
                steps:
                  - id: boom
                    uses: shell
                    with: { run: "echo kaputt >&2; exit 3" }
              after-broken:
                needs: [broken]
                steps:
                  - uses: noop
              independent:
                steps:
                  - uses: noop
                    with: { ok: true }
            """);

        var result = await CliKit.RunAsync("run", file, "--json");

        Assert.Equal(1, result.ExitCode);
        var snapshot = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("failed", snapshot["status"]!.GetValue<string>());
        Assert.Equal("broken", snapshot["error"]!["task"]!.GetValue<string>());
        Assert.Equal("boom", snapshot["error"]!["step"]!.GetValue<string>());
        Assert.Contains("exit code 3: kaputt", snapshot["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("team-a", snapshot["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("succeeded", snapshot["tasks"]!["independent"]!["status"]!.GetValue<string>());
        Assert.Equal("skipped", snapshot["tasks"]!["after-broken"]!["status"]!.GetValue<string>());
        Assert.Equal("upstream_failed", snapshot["tasks"]!["after-broken"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_InvalidPlaybook_ExitsTwoWithValidateMessages()
    {
        var file = _files.Write("bad.yaml", "name: bad\ntasks:\n  a:\n    steps:\n      - uses: htp\n");

        var result = await CliKit.RunAsync("run", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{file}:5:9: error: step 'step-1' of task 'a' uses unknown plugin 'htp'", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nope=1", "unknown param 'nope'")]
    [InlineData("count=three", "param 'count' (int)")]
    [InlineData("justtext", "expected name=value")]
    public async Task Run_BadParam_ExitsTwoNamingTheParam(string pair, string expected)
    {
        var file = _files.Write("params.yaml", """
            name: params
            params:
              count: int
            tasks:
              a:
                steps:
                  - uses: noop
                    with: { n: "${{ params.count }}" }
            """);

        var result = await CliKit.RunAsync("run", file, "-p", pair);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingRequiredParam_ExitsTwoAndSaysHowToPassIt()
    {
        var file = _files.Write("required.yaml", "name: required\nparams:\n  when: date\ntasks:\n  a:\n    steps:\n      - uses: noop\n");

        var result = await CliKit.RunAsync("run", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("param 'when' (date) is required: pass it with -p when=VALUE", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TimeoutOption_EndsTheRunTimedOutWithExitOne()
    {
        var file = _files.Write("slow.yaml", """
            name: slow
            tasks:
              wait:
                steps:
                  - uses: shell
                    with: { run: "sleep 60" }
            """);

        var result = await CliKit.RunAsync("run", file, "--timeout", "1s", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("timed_out", JsonNode.Parse(result.Stdout)!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_ChildPlaybookInTheSameFolder_IsFoundAndItsOutputsComeBack()
    {
        _files.Write("child.yaml", """
            name: child
            params:
              n: int
            tasks:
              double:
                steps:
                  - uses: noop
                    with: { value: "${{ params.n * 2 }}" }
            outputs:
              doubled: "${{ tasks.double.outputs.value }}"
            """);
        var parent = _files.Write("parent.yaml", """
            name: parent
            tasks:
              call:
                steps:
                  - id: child
                    uses: playbook
                    with: { name: child, params: { n: 21 } }
            outputs:
              answer: "${{ tasks.call.outputs.outputs.doubled }}"
            """);

        var result = await CliKit.RunAsync("run", parent, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(42, JsonNode.Parse(result.Stdout)!["outputs"]!["answer"]!.GetValue<int>());
    }

    [Fact]
    public async Task Run_MissingFile_ExitsTwoWithoutStackTrace()
    {
        var result = await CliKit.RunAsync("run", Path.Combine(_files.Directory, "nothing.yaml"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such file", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }
}
