using Orleans.Workflow.Playbooks.Model;
using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Binding;

public class DurationTests
{
    private static string WithTimeout(string timeout) => $"name: demo\ntimeout: {timeout}\n{OneTask}";

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1d2h3m4s5ms", 93_784_005)]
    [InlineData("PT30S", 30_000)]
    [InlineData("PT1H30M", 5_400_000)]
    [InlineData("P1D", 86_400_000)]
    [InlineData("\"90s\"", 90_000)]
    public void Load_GoodDuration_IsAccepted(string text, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Valid(WithTimeout(text)).Timeout);
    }

    [Theory]
    [InlineData("5 minutes")]
    [InlineData("1m1h")]
    [InlineData("-5s")]
    [InlineData("-PT5S")]
    [InlineData("5")]
    [InlineData("5x")]
    [InlineData("5s5s")]
    [InlineData("ms")]
    [InlineData("PT")]
    [InlineData("soon")]
    [InlineData("[5s]")]
    public void Load_BadDuration_ReportsExpectedDuration(string text)
    {
        SingleError(WithTimeout(text), 2, 10, "'timeout': expected a duration such as 500ms, 30s, 5m, 2h, 1d, 1h30m or PT30S");
    }

    [Fact]
    public void Load_BadDurationsInEveryPlace_ReportsEach()
    {
        var diagnostics = Errors(
            """
            name: demo
            timeout: 1 hour
            defaults:
              timeout: forever
              retry: { delay: later, max_delay: 1m1h }
            tasks:
              a:
                timeout: 5 m
                needs:
                  - { playbook: other, task: load, within: a day, wait: 1x }
                steps:
                  - uses: noop
                    timeout: "-1s"
                    worker: q
                    queue_timeout: 10 minutes
                    heartbeat_timeout: 30 s
            """);
        Assert.Equal(10, diagnostics.Count);
        AssertDiagnostic(diagnostics[0], 2, 10, "'timeout': expected a duration", "found '1 hour'");
        AssertDiagnostic(diagnostics[1], 4, 12, "'timeout': expected a duration", "found 'forever'");
        AssertDiagnostic(diagnostics[2], 5, 19, "'delay': expected a duration", "found 'later'");
        AssertDiagnostic(diagnostics[3], 5, 37, "'max_delay': expected a duration", "found '1m1h'");
        AssertDiagnostic(diagnostics[4], 8, 14, "'timeout': expected a duration", "found '5 m'");
        AssertDiagnostic(diagnostics[5], 10, 48, "cross-playbook need 'within': expected a duration", "found 'a day'");
        AssertDiagnostic(diagnostics[6], 10, 61, "'wait': expected a duration", "found '1x'");
        AssertDiagnostic(diagnostics[7], 13, 18, "'timeout': expected a duration", "found '-1s'");
        AssertDiagnostic(diagnostics[8], 15, 24, "'queue_timeout': expected a duration", "found '10 minutes'");
        AssertDiagnostic(diagnostics[9], 16, 28, "'heartbeat_timeout': expected a duration", "found '30 s'");
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("pt30s", 30_000)]
    [InlineData(" 5m ", 300_000)]
    [InlineData("1.5h", 5_400_000)]
    public void TryParse_GoodText_GivesSpan(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("-5s")]
    [InlineData("5 minutes")]
    [InlineData("1m1h")]
    [InlineData("1..5s")]
    [InlineData("P")]
    [InlineData("PT99999999999999999999H")]
    [InlineData("999999999999999999999999999999s")]
    public void TryParse_BadText_Fails(string? text)
    {
        Assert.False(Duration.TryParse(text, out _));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(250, "250ms")]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(93_784_005, "1d2h3m4s5ms")]
    public void Format_Span_ReadsBack(long milliseconds, string expected)
    {
        var span = TimeSpan.FromMilliseconds(milliseconds);
        Assert.Equal(expected, Duration.Format(span));
        Assert.True(Duration.TryParse(Duration.Format(span), out var back));
        Assert.Equal(span, back);
    }
}
