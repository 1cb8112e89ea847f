using System.Text.Json;
using System.Text.RegularExpressions;

namespace Orleans.Workflow.Cli.Tests;

public sealed partial class ValidateCommandTests : IDisposable
{
    // Two errors: an unknown need on line 4 (column 13) and an unknown plugin in the step on line 6 (column 9).
    private const string TwoErrors = """
        name: broken
        tasks:
          a:
            needs: [missing]
            steps:
              - uses: nope
        """;

    private const string OneError = """
        name: also-broken
        tasks:
          b:
            steps:
              - uses: log
                with: { message: "${{ params.undeclared }}" }
        """;

    private const string UsesCustomPlugin = """
        name: custom
        tasks:
          render:
            steps:
              - uses: render-report
                with: { date: "2024-05-01" }
        """;

    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [GeneratedRegex(@"^(?<file>.+):(?<line>\d+):(?<column>\d+): error: (?<message>.+)$")]
    private static partial Regex DiagnosticLine();

    private static void AssertNoStackTrace(CliResult result)
    {
        Assert.DoesNotContain("   at ", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    private static List<(string File, int Line, int Column, string Message)> Diagnostics(CliResult result) =>
        [.. result.StdoutLines.Select(line =>
        {
            var match = DiagnosticLine().Match(line);
            Assert.True(match.Success, $"not file:line:col: error: message: '{line}'\n{result}");
            return (match.Groups["file"].Value, int.Parse(match.Groups["line"].Value), int.Parse(match.Groups["column"].Value), match.Groups["message"].Value);
        })];

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in CliKit.ExampleFiles())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Validate_Example_ExitsZeroAndPrintsNoError(string name)
    {
        var result = await CliKit.RunAsync("validate", Path.Combine(CliKit.ExamplesDirectory, name));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains("1 playbook is valid.", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AllExamplesAtOnce_ExitsZero()
    {
        var examples = CliKit.ExampleFiles();
        Assert.NotEmpty(examples);

        var result = await CliKit.RunAsync(["validate", .. examples]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains($"{examples.Length} playbooks are valid.", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AllExamplesAsJson_PrintsEmptyArray()
    {
        var result = await CliKit.RunAsync(["validate", "--json", .. CliKit.ExampleFiles()]);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.Equal(0, json.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Validate_BadFile_ExitsTwoWithOneLinePerError()
    {
        var path = _files.Write("broken.yaml", TwoErrors);

        var result = await CliKit.RunAsync("validate", path);

        Assert.True(result.ExitCode == 2, result.ToString());
        var diagnostics = Diagnostics(result);
        Assert.Equal(2, diagnostics.Count);
        Assert.All(diagnostics, d => Assert.Equal(path, d.File));
        Assert.Equal((4, 13), (diagnostics[0].Line, diagnostics[0].Column));
        Assert.Contains("'missing'", diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Equal((6, 9), (diagnostics[1].Line, diagnostics[1].Column));
        Assert.Contains("'nope'", diagnostics[1].Message, StringComparison.Ordinal);
        Assert.Contains("2 errors", result.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Validate_BadFileJson_PrintsOnlyJsonArrayOfDiagnostics()
    {
        var path = _files.Write("broken.yaml", TwoErrors);

        var result = await CliKit.RunAsync("validate", "--json", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
        {
            Assert.Equal(["file", "line", "column", "message"], row.EnumerateObject().Select(p => p.Name).ToArray());
            Assert.Equal(path, row.GetProperty("file").GetString());
        }

        Assert.Equal(4, rows[0].GetProperty("line").GetInt32());
        Assert.Equal(13, rows[0].GetProperty("column").GetInt32());
        Assert.Contains("'missing'", rows[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(6, rows[1].GetProperty("line").GetInt32());
        Assert.Contains("'nope'", rows[1].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_JsonOptionAfterFile_SameOutput()
    {
        var path = _files.Write("broken.yaml", TwoErrors);

        var before = await CliKit.RunAsync("validate", "--json", path);
        var after = await CliKit.RunAsync("validate", path, "--json");

        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Validate_SeveralFiles_ReportsErrorsOfEveryFile()
    {
        var first = _files.Write("first.yaml", TwoErrors);
        var second = _files.Write("second.yaml", OneError);
        var valid = Path.Combine(CliKit.ExamplesDirectory, "hello.yaml");

        var result = await CliKit.RunAsync("validate", first, valid, second);

        Assert.Equal(2, result.ExitCode);
        var diagnostics = Diagnostics(result);
        Assert.Equal([first, first, second], diagnostics.Select(d => d.File).ToArray());
        Assert.Contains("undeclared", diagnostics[2].Message, StringComparison.Ordinal);
        Assert.Contains("3 errors; 1 of 3 playbooks valid.", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_SeveralFilesJson_OneArrayWithAllErrors()
    {
        var first = _files.Write("first.yaml", TwoErrors);
        var second = _files.Write("second.yaml", OneError);

        var result = await CliKit.RunAsync("validate", "--json", first, second);

        Assert.Equal(2, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal([first, first, second], json.RootElement.EnumerateArray().Select(r => r.GetProperty("file").GetString() ?? string.Empty).ToArray());
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsTwoNamingIt()
    {
        var path = Path.Combine(_files.Directory, "does-not-exist.yaml");

        var result = await CliKit.RunAsync("validate", path);

        Assert.Equal(2, result.ExitCode);
        var diagnostic = Assert.Single(Diagnostics(result));
        Assert.Equal(path, diagnostic.File);
        Assert.Contains("no such file", diagnostic.Message, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Validate_MissingFileAmongValid_StillReportsAndExitsTwo()
    {
        var result = await CliKit.RunAsync("validate", Path.Combine(CliKit.ExamplesDirectory, "hello.yaml"), Path.Combine(_files.Directory, "nope.yaml"));

        Assert.Equal(2, result.ExitCode);
        Assert.Single(Diagnostics(result));
    }

    [Fact]
    public async Task Validate_Directory_ExitsTwoWithoutStackTrace()
    {
        var result = await CliKit.RunAsync("validate", _files.Directory);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("directory", Assert.Single(Diagnostics(result)).Message, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    public static TheoryData<string, byte[]> JunkFiles()
    {
        var random = new Random(20240501);
        var randomBytes = new byte[4096];
        random.NextBytes(randomBytes);
        var printable = new byte[4096];
        for (var i = 0; i < printable.Length; i++)
        {
            printable[i] = (byte)random.Next(32, 127);
        }

        return new TheoryData<string, byte[]>
        {
            { "random.bin", randomBytes },
            { "zeros.bin", new byte[2048] },
            { "bom-then-control.bin", [0xEF, 0xBB, 0xBF, 0x01, 0x02, 0x7B, 0x7B, 0x3A] },
            { "invalid-utf8.yaml", [.. "name: x\n"u8.ToArray(), 0xC3, 0x28, 0xFF, 0xFE] },
            { "printable-noise.yaml", printable },
            { "deep.yaml", System.Text.Encoding.UTF8.GetBytes(new string('[', 100_000)) },
            { "empty.yaml", [] },
        };
    }

    [Theory]
    [MemberData(nameof(JunkFiles))]
    public async Task Validate_JunkFile_ExitsTwoWithoutStackTrace(string name, byte[] content)
    {
        var path = _files.Write(name, content);

        var result = await CliKit.RunAsync("validate", path);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.NotEmpty(Diagnostics(result));
        Assert.All(Diagnostics(result), d => Assert.Equal(path, d.File));
        AssertNoStackTrace(result);
    }

    [Theory]
    [MemberData(nameof(JunkFiles))]
    public async Task Validate_JunkFileJson_PrintsParsableArray(string name, byte[] content)
    {
        var path = _files.Write(name, content);

        var result = await CliKit.RunAsync("validate", "--json", path);

        Assert.Equal(2, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.NotEqual(0, json.RootElement.GetArrayLength());
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task Validate_CustomPluginWithoutOption_ExitsTwoNamingPlugin()
    {
        var path = _files.Write("custom.yaml", UsesCustomPlugin);

        var result = await CliKit.RunAsync("validate", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'render-report'", Assert.Single(Diagnostics(result)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_PluginOptionAfterFile_MakesPluginKnown()
    {
        var path = _files.Write("custom.yaml", UsesCustomPlugin);

        var result = await CliKit.RunAsync("validate", path, "--plugin", "render-report");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Fact]
    public async Task Validate_OtherPluginNamed_StillUnknown()
    {
        var path = _files.Write("custom.yaml", UsesCustomPlugin);

        var result = await CliKit.RunAsync("validate", path, "--plugin", "render-chart");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'render-report'", Assert.Single(Diagnostics(result)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_TwoPluginOptions_BothKnown()
    {
        var path = _files.Write("two.yaml", """
            name: two-custom
            tasks:
              a:
                steps:
                  - uses: render-report
                  - uses: make-thumbnails
            """);

        var result = await CliKit.RunAsync("validate", path, "--plugin", "render-report", "--plugin", "make-thumbnails");

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("validate")]
    [InlineData("validate --json")]
    [InlineData("frobnicate")]
    [InlineData("frobnicate x.yaml")]
    [InlineData("validate --plugin")]
    public async Task RunAsync_BadArguments_ExitsTwoWithHintAndNoStackTrace(string commandLine)
    {
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var result = await CliKit.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("owf: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("owf --help", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task RunAsync_UnknownOptionOnValidate_ExitsTwo()
    {
        var path = Path.Combine(CliKit.ExamplesDirectory, "hello.yaml");

        var result = await CliKit.RunAsync("validate", "--no-such-option", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--no-such-option", result.Stdout + result.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public async Task RunAsync_Help_ExitsZeroAndListsValidate()
    {
        var result = await CliKit.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("validate", result.Stdout, StringComparison.Ordinal);
    }
}
