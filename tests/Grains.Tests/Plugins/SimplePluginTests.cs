using System.Diagnostics;
using System.Text.Json.Nodes;
using Orleans.Workflow.Plugins;
using Orleans.Workflow.Plugins.BuiltIn;

namespace Orleans.Workflow.Grains.Tests.Plugins;

/// <summary>The <c>noop</c> plugin.</summary>
public sealed class NoopPluginTests
{
    private readonly NoopPlugin _plugin = new();
    private readonly PluginHarness _harness = new();

    [Fact]
    public async Task ExecuteAsync_Mapping_AnswersAnEqualCopy()
    {
        var input = new JsonObject { ["url"] = "https://x", ["list"] = new JsonArray(1, "two", null), ["nested"] = new JsonObject { ["ok"] = true } };

        var output = await _plugin.ExecuteAsync(_harness.Context(input), CancellationToken.None);

        Assert.True(JsonNode.DeepEquals(input, output));
        Assert.NotSame(input, output);
        output!["nested"]!["ok"] = false;
        Assert.True(input["nested"]!["ok"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("[1,[2]]")]
    [InlineData("null")]
    public async Task ExecuteAsync_AnyValue_AnswersIt(string json)
    {
        var output = await _plugin.ExecuteAsync(_harness.Context(JsonNode.Parse(json)), CancellationToken.None);

        Assert.Equal(json, output?.ToJsonString() ?? "null");
    }
}

/// <summary>The <c>log</c> plugin.</summary>
public sealed class LogPluginTests
{
    private readonly LogPlugin _plugin = new();
    private readonly PluginHarness _harness = new();

    [Theory]
    [InlineData("debug")]
    [InlineData("info")]
    [InlineData("warning")]
    [InlineData("error")]
    public async Task ExecuteAsync_KnownLevel_WritesTheLineAndAnswersNull(string level)
    {
        var output = await _plugin.ExecuteAsync(_harness.Context(new JsonObject { ["message"] = $"at {level}", ["level"] = level }), CancellationToken.None);

        Assert.Null(output);
        Assert.Equal([$"at {level}"], _harness.Lines);
    }

    [Fact]
    public async Task ExecuteAsync_NoLevel_WritesAtInfo()
    {
        var output = await _plugin.ExecuteAsync(_harness.Context(new JsonObject { ["message"] = "population data is fresh" }), CancellationToken.None);

        Assert.Null(output);
        Assert.Equal(["population data is fresh"], _harness.Lines);
    }

    [Theory]
    [InlineData("fatal")]
    [InlineData("INFO")]
    [InlineData("trace")]
    [InlineData("")]
    public async Task ExecuteAsync_UnknownLevel_FailsNamingTheLevels(string level)
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _plugin.ExecuteAsync(_harness.Context(new JsonObject { ["message"] = "x", ["level"] = level }), CancellationToken.None));

        Assert.Contains($"'{level}'", ex.Message);
        Assert.Contains("debug, info, warning or error", ex.Message);
        Assert.Empty(_harness.Lines);
    }

    [Fact]
    public async Task ExecuteAsync_MessageWithSecret_IsRedacted()
    {
        var harness = new PluginHarness { Redact = text => text.Replace("hunter2", "***", StringComparison.Ordinal) };

        await _plugin.ExecuteAsync(harness.Context(new JsonObject { ["message"] = "token hunter2 used" }), CancellationToken.None);

        Assert.Equal(["token *** used"], harness.Lines);
    }

    [Fact]
    public async Task ExecuteAsync_NonTextMessage_IsWrittenAsJson()
    {
        await _plugin.ExecuteAsync(_harness.Context(new JsonObject { ["message"] = new JsonObject { ["n"] = 3 } }), CancellationToken.None);

        Assert.Equal(["{\"n\":3}"], _harness.Lines);
    }

    [Fact]
    public async Task ExecuteAsync_NoMessage_FailsClearly()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _plugin.ExecuteAsync(_harness.Context(new JsonObject { ["level"] = "info" }), CancellationToken.None));

        Assert.Contains("'message'", ex.Message);
    }
}

/// <summary>The <c>wait</c> plugin, its suspensions carried out by the harness as a step would (the durable waits are covered through the cluster).</summary>
public sealed class WaitPluginTests
{
    private readonly WaitPlugin _plugin = new();
    private readonly PluginHarness _harness = new();

    [Fact]
    public async Task ExecuteAsync_ShortDuration_WaitsThatLongAndAnswersNull()
    {
        var watch = Stopwatch.StartNew();

        var output = await Eventually.Within(_harness.RunAsync(_plugin, _harness.Context(new JsonObject { ["duration"] = "200ms" }), CancellationToken.None), "the wait to end");

        Assert.Null(output);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190), $"waited only {watch.Elapsed}");
    }

    [Theory]
    [InlineData("10m")]
    [InlineData("1d")]
    [InlineData("PT2H")]
    public async Task ExecuteAsync_LongDurationCancelled_EndsPromptly(string duration)
    {
        using var cancel = new CancellationTokenSource();
        var step = _harness.RunAsync(_plugin, _harness.Context(new JsonObject { ["duration"] = duration }), cancel.Token);
        Assert.False(step.IsCompleted);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.Within(step, "the cancelled wait to end", TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("2000-01-01T00:00:00Z")]
    [InlineData("2020-06-01T08:30:00+02:00")]
    public async Task ExecuteAsync_UntilInThePast_ReturnsAtOnce(string until)
    {
        var step = _harness.RunAsync(_plugin, _harness.Context(new JsonObject { ["until"] = until }), CancellationToken.None);

        Assert.True(step.IsCompletedSuccessfully);
        Assert.Null(await step);
    }

    [Fact]
    public async Task ExecuteAsync_UntilInTheNearFuture_WaitsUntilThen()
    {
        var until = DateTimeOffset.UtcNow.AddMilliseconds(300);

        await Eventually.Within(_harness.RunAsync(_plugin, _harness.Context(new JsonObject { ["until"] = until.ToString("O") }), CancellationToken.None), "the wait to end");

        Assert.True(DateTimeOffset.UtcNow >= until.AddMilliseconds(-15), $"returned at {DateTimeOffset.UtcNow:O}, before {until:O}");
    }

    [Fact]
    public async Task ExecuteAsync_UntilInTheFarFutureCancelled_EndsPromptly()
    {
        using var cancel = new CancellationTokenSource();
        var step = _harness.RunAsync(_plugin, _harness.Context(new JsonObject { ["until"] = DateTimeOffset.UtcNow.AddDays(3).ToString("O") }), cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.Within(step, "the cancelled wait to end", TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("5 minutes")]
    [InlineData("soon")]
    [InlineData("-5m")]
    [InlineData("")]
    public async Task ExecuteAsync_BadDuration_FailsClearly(string duration)
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _harness.RunAsync(_plugin, _harness.Context(new JsonObject { ["duration"] = duration }), CancellationToken.None));

        Assert.Contains("'duration'", ex.Message);
        Assert.Contains("not a duration", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_BadUntil_FailsClearly()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _harness.RunAsync(_plugin, _harness.Context(new JsonObject { ["until"] = "tomorrow morning" }), CancellationToken.None));

        Assert.Contains("'until'", ex.Message);
        Assert.Contains("tomorrow morning", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_NothingToWaitFor_FailsClearly()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _harness.RunAsync(_plugin, _harness.Context(new JsonObject()), CancellationToken.None));

        Assert.Contains("'duration'", ex.Message);
        Assert.Contains("'until'", ex.Message);
        Assert.Contains("'signal'", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_DurationAndUntilTogether_FailsClearly()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _harness.RunAsync(_plugin, _harness.Context(new JsonObject { ["duration"] = "1s", ["until"] = "2000-01-01T00:00:00Z" }), CancellationToken.None));

        Assert.Contains("exactly one", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_Signal_AnswersItsPayload()
    {
        var harness = new PluginHarness { WaitForSignalAsync = (name, _) => Task.FromResult(name == "approve" ? "{\"approved\": true, \"by\": \"jane\"}" : "null") };

        var output = await harness.RunAsync(_plugin, harness.Context(new JsonObject { ["signal"] = "approve" }), CancellationToken.None);

        Assert.True(JsonNode.DeepEquals(new JsonObject { ["approved"] = true, ["by"] = "jane" }, output));
    }

    [Fact]
    public async Task ExecuteAsync_SignalNotInTime_TimesOutNamingTheSignal()
    {
        var harness = new PluginHarness { WaitForSignalAsync = async (_, token) => { await Task.Delay(Timeout.Infinite, token); return "null"; } };

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => Eventually.Within(harness.RunAsync(_plugin, harness.Context(new JsonObject { ["signal"] = "approve", ["timeout"] = "100ms" }), CancellationToken.None), "the signal wait to time out"));

        Assert.Contains("'approve'", ex.Message);
        Assert.Contains("100ms", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_SignalWaitCancelled_IsCancellationNotTimeout()
    {
        var harness = new PluginHarness { WaitForSignalAsync = async (_, token) => { await Task.Delay(Timeout.Infinite, token); return "null"; } };
        using var cancel = new CancellationTokenSource();
        var step = harness.RunAsync(_plugin, harness.Context(new JsonObject { ["signal"] = "approve", ["timeout"] = "1d" }), cancel.Token);

        await cancel.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.Within(step, "the cancelled signal wait to end", TimeSpan.FromSeconds(5)));
        Assert.IsNotType<TimeoutException>(ex);
    }

    [Fact]
    public async Task ExecuteAsync_SignalWithBadTimeout_FailsClearly()
    {
        var ex = await Assert.ThrowsAsync<StepFailedException>(() => _harness.RunAsync(_plugin, _harness.Context(new JsonObject { ["signal"] = "approve", ["timeout"] = "a while" }), CancellationToken.None));

        Assert.Contains("'timeout'", ex.Message);
    }
}
