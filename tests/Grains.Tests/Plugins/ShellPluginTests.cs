using System.Text.Json.Nodes;
using Orleans.Workflow.Plugins;
using Orleans.Workflow.Plugins.BuiltIn;

namespace Orleans.Workflow.Grains.Tests.Plugins;

/// <summary>The <c>shell</c> plugin, running real processes.</summary>
public sealed class ShellPluginTests : IDisposable
{
    private readonly ShellPlugin _plugin = new();
    private readonly PluginHarness _harness = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("owf-shell-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<JsonNode?> Run(JsonObject input, CancellationToken cancellationToken = default) =>
        Eventually.Within(_plugin.ExecuteAsync(_harness.Context(input), cancellationToken), "the shell step to end");

    private static JsonObject Output(JsonNode? node) => Assert.IsType<JsonObject>(node);

    [Fact]
    public async Task ExecuteAsync_RunScript_CapturesStdoutStderrAndExitCode()
    {
        var output = Output(await Run(new JsonObject { ["run"] = "echo hello\necho oops >&2\necho world" }));

        Assert.Equal(0, output["exit_code"]!.GetValue<int>());
        Assert.Equal("hello\nworld\n", output["stdout"]!.GetValue<string>());
        Assert.Equal("oops\n", output["stderr"]!.GetValue<string>());
        Assert.True(output.ContainsKey("json"));
        Assert.Null(output["json"]);
    }

    [Fact]
    public async Task ExecuteAsync_CommandArgv_PassesArgumentsWithoutAShell()
    {
        var output = Output(await Run(new JsonObject
        {
            ["command"] = new JsonArray("printf", "%s|%s|%s", "two words", "a;b $HOME", "'quoted'"),
        }));

        Assert.Equal("two words|a;b $HOME|'quoted'\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_CommandWithNonStringArguments_PassesThemAsText()
    {
        var output = Output(await Run(new JsonObject { ["command"] = new JsonArray("echo", 42, true) }));

        Assert.Equal("42 true\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_EmptyCommand_FailsClearly()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject { ["command"] = new JsonArray() }));

        Assert.Contains("empty", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_UnknownProgram_FailsNamingIt()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject { ["command"] = new JsonArray("owf-no-such-program-xyz") }));

        Assert.Contains("owf-no-such-program-xyz", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_NeitherRunNorCommand_FailsClearly()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject { ["env"] = new JsonObject() }));

        Assert.Contains("'run'", ex.Message);
        Assert.Contains("'command'", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_RunAndCommandTogether_FailsWithoutRunningEither()
    {
        var marker = Path.Combine(_dir, "ran");

        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject { ["run"] = $"touch '{marker}'", ["command"] = new JsonArray("touch", marker) }));

        Assert.Contains("exactly one", ex.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task ExecuteAsync_CommandAsText_FailsPointingToRun()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject { ["command"] = "ls -la" }));

        Assert.Contains("must be a list", ex.Message);
        Assert.Contains("'run'", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_InputNotAMapping_FailsClearly()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _plugin.ExecuteAsync(_harness.Context(JsonValue.Create("echo hi")), CancellationToken.None));

        Assert.Contains("mapping", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_ShellBash_RunsBashOnlySyntax()
    {
        var output = Output(await Run(new JsonObject
        {
            ["shell"] = "bash",
            ["run"] = "words=(a b c)\necho \"${#words[@]} ${BASH_VERSION:+bash}\"",
        }));

        Assert.Equal("3 bash\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_DefaultShell_IsSh()
    {
        // Under sh, bash arrays are a syntax error: the script must not silently run under bash.
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject { ["run"] = "words=(a b c)\necho ${#words[@]}" }));

        Assert.Contains("exit code", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_ShellPython_RunsScriptWithThatProgram()
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            return; // python3 is optional on a test machine; bash above covers 'shell'.
        }

        var output = Output(await Run(new JsonObject { ["shell"] = "python3", ["run"] = "import json\nprint(json.dumps({'sum': 1 + 2}))" }));

        Assert.Equal(3, output["json"]!["sum"]!.GetValue<int>());
    }

    [Fact]
    public async Task ExecuteAsync_Env_AddsVariablesAsTextAndKeepsTheRest()
    {
        var output = Output(await Run(new JsonObject
        {
            ["run"] = "printf '%s|%s|%s|%s|%s' \"$WHO\" \"$COUNT\" \"$FLAG\" \"$EMPTY\" \"${PATH:+path}\"",
            ["env"] = new JsonObject { ["WHO"] = "O'Brien; rm -rf /", ["COUNT"] = 42, ["FLAG"] = true, ["EMPTY"] = null },
        }));

        Assert.Equal("O'Brien; rm -rf /|42|true||path\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_Always_ExposesRunIdentityInEnvironment()
    {
        var context = _harness.Context(new JsonObject { ["run"] = "echo \"$OWF_RUN_ID $OWF_STEP $OWF_ATTEMPT $OWF_IDEMPOTENCY_KEY\"" }, step: "build");
        var output = Output(await Eventually.Within(_plugin.ExecuteAsync(context, CancellationToken.None), "the shell step"));

        Assert.Equal($"{context.RunId} build 1 {context.IdempotencyKey}\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_Workdir_StartsProcessThere()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "marker.txt"), "here");
        var output = Output(await Run(new JsonObject { ["run"] = "pwd\ncat marker.txt", ["workdir"] = _dir }));

        Assert.Equal($"{_dir}\nhere\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_CommandWithWorkdir_StartsProcessThere()
    {
        var output = Output(await Run(new JsonObject { ["command"] = new JsonArray("pwd"), ["workdir"] = _dir }));

        Assert.Equal($"{_dir}\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_MissingWorkdir_FailsNamingIt()
    {
        var missing = Path.Combine(_dir, "does-not-exist");

        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject { ["run"] = "echo hi", ["workdir"] = missing }));

        Assert.Contains(missing, ex.Message);
        Assert.Contains("does not exist", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_StdinText_IsWrittenVerbatim()
    {
        var output = Output(await Run(new JsonObject { ["run"] = "cat", ["stdin"] = "line one\nline \"two\"\n" }));

        Assert.Equal("line one\nline \"two\"\n", output["stdout"]!.GetValue<string>());
        Assert.Null(output["json"]);
    }

    [Fact]
    public async Task ExecuteAsync_StdinObject_IsSentAsJson()
    {
        var output = Output(await Run(new JsonObject
        {
            ["command"] = new JsonArray("cat"),
            ["stdin"] = new JsonObject { ["rows"] = new JsonArray(1, 2, 3), ["name"] = "x" },
        }));

        var json = Assert.IsType<JsonObject>(output["json"]);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["rows"] = new JsonArray(1, 2, 3), ["name"] = "x" }, json));
    }

    [Fact]
    public async Task ExecuteAsync_StdinList_IsSentAsJson()
    {
        var output = Output(await Run(new JsonObject { ["run"] = "cat", ["stdin"] = new JsonArray("a", 1) }));

        Assert.Equal("[\"a\",1]\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_NoStdin_ProcessSeesEndOfInput()
    {
        var output = Output(await Run(new JsonObject { ["run"] = "cat\necho after" }));

        Assert.Equal("after\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_LargeStdinNotRead_StillEnds()
    {
        // More than a pipe buffer that the process never reads: the plugin must not block writing it.
        var output = Output(await Run(new JsonObject { ["run"] = "echo ignored", ["stdin"] = new string('x', 1024 * 1024) }));

        Assert.Equal("ignored\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_StdoutIsJsonObject_ParsesIt()
    {
        var output = Output(await Run(new JsonObject { ["run"] = "echo '{\"n\": 3, \"list\": [1, 2], \"ok\": true}'" }));

        var json = Assert.IsType<JsonObject>(output["json"]);
        Assert.Equal(3, json["n"]!.GetValue<int>());
        Assert.Equal(2, json["list"]!.AsArray().Count);
        Assert.True(json["ok"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("echo 42", "42")]
    [InlineData("echo -7", "-7")]
    [InlineData("echo 2.5", "2.5")]
    [InlineData("echo true", "true")]
    [InlineData("echo '\"text\"'", "\"text\"")]
    [InlineData("echo '[1,2]'", "[1,2]")]
    public async Task ExecuteAsync_StdoutIsJsonScalarOrList_ParsesIt(string script, string expected)
    {
        var output = Output(await Run(new JsonObject { ["run"] = script }));

        Assert.NotNull(output["json"]);
        Assert.Equal(expected, output["json"]!.ToJsonString());
    }

    [Theory]
    [InlineData("echo hello world")]
    [InlineData("echo '{not json'")]
    [InlineData("echo 12 monkeys")]
    [InlineData("true")]
    public async Task ExecuteAsync_StdoutIsNotJson_JsonIsNull(string script)
    {
        var output = Output(await Run(new JsonObject { ["run"] = script }));

        Assert.True(output.ContainsKey("json"));
        Assert.Null(output["json"]);
    }

    [Fact]
    public async Task ExecuteAsync_NonZeroExit_FailsWithExitCodeAndLastStderrLineKeepingOutput()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject
        {
            ["run"] = "echo partial result\necho first problem >&2\necho 'the real cause' >&2\nexit 3",
        }));

        Assert.Contains("exit code 3", ex.Message);
        Assert.Contains("the real cause", ex.Message);
        Assert.DoesNotContain("first problem", ex.Message);
        var output = Output(ex.Output);
        Assert.Equal(3, output["exit_code"]!.GetValue<int>());
        Assert.Equal("partial result\n", output["stdout"]!.GetValue<string>());
        Assert.Equal("first problem\nthe real cause\n", output["stderr"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_NonZeroExitWithoutStderr_FailsWithExitCode()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject { ["command"] = new JsonArray("false") }));

        Assert.Equal("exit code 1", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_OutputLines_ReachTheLogRedacted()
    {
        var harness = new PluginHarness { Redact = text => text.Replace("hunter2", "***", StringComparison.Ordinal) };
        await Eventually.Within(_plugin.ExecuteAsync(harness.Context(new JsonObject { ["run"] = "echo one\necho two >&2\necho password=hunter2" }), CancellationToken.None), "the shell step");

        Assert.Contains("one", harness.Lines);
        Assert.Contains("two", harness.Lines);
        Assert.Contains("password=***", harness.Lines);
        Assert.DoesNotContain(harness.Lines, line => line.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_RunScript_DeletesItsTemporaryFile()
    {
        var output = Output(await Run(new JsonObject { ["run"] = "echo \"$0\"" }));

        var scriptFile = output["stdout"]!.GetValue<string>().Trim();
        Assert.StartsWith(Path.GetTempPath(), scriptFile);
        Assert.False(File.Exists(scriptFile), $"the script file {scriptFile} was left behind");
    }

    [Fact]
    public async Task ExecuteAsync_FailingScript_DeletesItsTemporaryFile()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject { ["run"] = "echo \"$0\"\nexit 2" }));

        var scriptFile = Output(ex.Output)["stdout"]!.GetValue<string>().Trim();
        Assert.False(File.Exists(scriptFile), $"the script file {scriptFile} was left behind");
    }

    [Fact]
    public async Task ExecuteAsync_Cancelled_KillsTheWholeProcessTree()
    {
        // The script starts background children, a child shell with a child of its own, then waits in the
        // foreground: a timeout must leave none of them behind.
        var script = """
            d="$PIDDIR"
            echo "$0" > "$d/script.path"
            sleep 300 &
            echo $! > "$d/bg1.pid"
            sleep 300 &
            echo $! > "$d/bg2.pid"
            sh -c 'sleep 300 & echo $! > "$1/grandchild.pid"; wait' sub "$d" &
            echo $! > "$d/sub.pid"
            echo $$ > "$d/shell.pid"
            echo started
            sleep 300
            """;
        using var cancel = new CancellationTokenSource();
        var step = _plugin.ExecuteAsync(_harness.Context(new JsonObject { ["run"] = script, ["env"] = new JsonObject { ["PIDDIR"] = _dir } }), cancel.Token);

        var shellPidFile = Path.Combine(_dir, "shell.pid");
        var grandchildPidFile = Path.Combine(_dir, "grandchild.pid");
        await Eventually.TrueAsync(() => File.Exists(shellPidFile) && File.Exists(grandchildPidFile) && new FileInfo(grandchildPidFile).Length > 0, "the script to write its pid files");
        var shellPid = LinuxProcesses.ReadPidFile(shellPidFile);

        // The foreground sleep starts after the pid files: wait until the tree is complete
        // (bg1, bg2, sub, grandchild, foreground sleep).
        await Eventually.TrueAsync(() => LinuxProcesses.Descendants(shellPid).Count >= 5, "the script's five descendants to run");
        var tree = LinuxProcesses.Descendants(shellPid).Append(LinuxProcesses.Find(shellPid)!.Value).ToList();
        foreach (var pidFile in new[] { "bg1.pid", "bg2.pid", "sub.pid", "grandchild.pid" })
        {
            var pid = LinuxProcesses.ReadPidFile(Path.Combine(_dir, pidFile));
            Assert.Contains(tree, p => p.Pid == pid);
        }

        Assert.Equal(6, tree.Count);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.Within(step, "the cancelled shell step to end", TimeSpan.FromSeconds(20)));
        await Eventually.TrueAsync(() => tree.All(p => !LinuxProcesses.IsAlive(p)), "every process of the tree to be gone", TimeSpan.FromSeconds(10));
        var scriptFile = (await File.ReadAllTextAsync(Path.Combine(_dir, "script.path"))).Trim();
        Assert.False(File.Exists(scriptFile), $"the script file {scriptFile} was left behind");
    }

    [Fact]
    public async Task ExecuteAsync_CancelledWhileOrphanedGrandchildHoldsOutput_EndsAndKillsIt()
    {
        // A subshell that exits at once leaves its background child orphaned (reparented away from the
        // script), still holding the step's stdout. Cancellation must still end the step and that child.
        var script = """
            d="$PIDDIR"
            ( sleep 300 & echo $! > "$d/orphan.pid" )
            echo started
            sleep 300
            """;
        using var cancel = new CancellationTokenSource();
        var step = _plugin.ExecuteAsync(_harness.Context(new JsonObject { ["run"] = script, ["env"] = new JsonObject { ["PIDDIR"] = _dir } }), cancel.Token);

        var orphanPidFile = Path.Combine(_dir, "orphan.pid");
        await Eventually.TrueAsync(() => File.Exists(orphanPidFile) && new FileInfo(orphanPidFile).Length > 0 && _harness.Lines.Contains("started"), "the script to start its orphan");
        var orphan = LinuxProcesses.Find(LinuxProcesses.ReadPidFile(orphanPidFile));
        Assert.NotNull(orphan);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.Within(step, "the cancelled shell step to end", TimeSpan.FromSeconds(20)));
        await Eventually.TrueAsync(() => !LinuxProcesses.IsAlive(orphan.Value), "the orphaned sleep to be gone", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ExecuteAsync_ScriptExitsLeavingBackgroundChild_EndsWithoutWaitingForIt()
    {
        // The script's own process ends at once; a background child it did not wait for still holds stdout.
        var script = """
            sleep 300 &
            echo $! > "$PIDDIR/bg.pid"
            echo done
            """;
        var output = Output(await Run(new JsonObject { ["run"] = script, ["env"] = new JsonObject { ["PIDDIR"] = _dir } }));

        Assert.Equal("done\n", output["stdout"]!.GetValue<string>());
        var child = LinuxProcesses.Find(LinuxProcesses.ReadPidFile(Path.Combine(_dir, "bg.pid")));
        if (child is { } leftover)
        {
            await Eventually.TrueAsync(() => !LinuxProcesses.IsAlive(leftover), "the step's leftover background child to be gone", TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task ExecuteAsync_RunScript_WritesScriptReadableByOwnerOnly()
    {
        var output = Output(await Run(new JsonObject { ["run"] = "stat -c %a \"$0\"" }));

        Assert.Equal("600\n", output["stdout"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExecuteAsync_OnLinux_RunsProcessAsLeaderOfItsOwnGroup()
    {
        var output = Output(await Run(new JsonObject { ["run"] = "echo $$ $(cut -d' ' -f5 /proc/$$/stat)" }));

        var ids = output["stdout"]!.GetValue<string>().Trim().Split(' ');
        Assert.Equal(ids[0], ids[1]);
        Assert.NotEqual(Environment.ProcessId.ToString(), ids[1]);
    }

    [Fact]
    public async Task ExecuteAsync_ProgramNameStartingWithDash_IsNotTakenForAnOption()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => Run(new JsonObject { ["command"] = new JsonArray("-owf-weird", "x") }));

        Assert.Contains("-owf-weird", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledBeforeStart_DoesNotRunTheScript()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var marker = Path.Combine(_dir, "ran");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(new JsonObject { ["run"] = $"touch '{marker}'" }, cancel.Token));

        Assert.False(File.Exists(marker));
    }
}
