using System.Text;
using Orleans.Workflow.Playbooks.Syntax;
using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Syntax;

public class YamlReaderTests
{
    private const string MinimalPlaybook = """
        name: demo
        tasks:
          a:
            steps:
              - uses: noop
        """;

    [Fact]
    public void Load_BillionLaughs_IsRefusedByTheNodeBudget()
    {
        var yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 'b'; level <= 'j'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append(level).Append(": &").Append(level).Append(" [")
                .Append(string.Join(", ", Enumerable.Repeat("*" + previous, 10))).Append("]\n");
        }

        var diagnostic = Assert.Single(Errors(yaml.ToString()));
        Assert.Contains("document expands to more than 100,000 nodes (aliases included); refusing it", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(FileName, diagnostic.File);
        Assert.Equal(5, diagnostic.Line);
    }

    [Fact]
    public void Read_AliasBombWithSmallBudget_IsRefused()
    {
        var result = YamlReader.Read("a: &a [1, 2]\nb: [*a, *a, *a]\n", "p.yaml", new YamlReadLimits { MaxNodes = 8 });
        Assert.Null(result.Root);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Contains("more than 8 nodes", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(2, diagnostic.Line);
    }

    [Fact]
    public void Load_NestingDeeperThan64_IsRefused()
    {
        var yaml = "name: demo\nx: " + new string('[', 70) + new string(']', 70) + "\n";
        SingleError(yaml, 2, 67, "nesting is deeper than 64 levels");
    }

    [Fact]
    public void Load_NestedBlockMappingsDeeperThan64_IsRefused()
    {
        var yaml = new StringBuilder("name: demo\n");
        for (var depth = 0; depth < 70; depth++)
        {
            yaml.Append(' ', depth).Append('k').Append(depth).Append(":\n");
        }

        var diagnostic = Assert.Single(Errors(yaml.ToString()));
        Assert.Contains("nesting is deeper than 64 levels", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NestingOf62_IsReadAndBound()
    {
        var yaml = "name: demo\nx: " + new string('[', 62) + new string(']', 62) + "\n";
        var diagnostics = Errors(yaml);
        Assert.DoesNotContain(diagnostics, d => d.Message.Contains("nesting", StringComparison.Ordinal));
        HasError(diagnostics, 2, 1, "unknown key 'x' in playbook");
    }

    [Fact]
    public void LoadFile_TenMegabytes_IsRefusedBeforeReading()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var stream = File.OpenWrite(path))
            {
                stream.SetLength(10 * 1024 * 1024);
            }

            var result = PlaybookLoader.LoadFile(path);
            var diagnostic = Assert.Single(result.Diagnostics);
            Assert.Null(result.Playbook);
            Assert.Equal(path, diagnostic.File);
            Assert.Equal((1, 1), (diagnostic.Line, diagnostic.Column));
            Assert.Contains("file is 10,485,760 bytes; a playbook may be at most 2,097,152 bytes", diagnostic.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_BytesOverTwoMebibytes_IsRefused()
    {
        var content = Encoding.UTF8.GetBytes("name: demo\n# " + new string('x', 2 * 1024 * 1024));
        var result = PlaybookLoader.Load(content, FileName);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Contains("a playbook may be at most 2,097,152 bytes", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TextOverTwoMebibytes_IsRefused()
    {
        SingleError("name: demo\n# " + new string('x', 2 * 1024 * 1024), 1, 1, "a playbook may be at most 2,097,152 bytes");
    }

    [Fact]
    public void LoadFile_PlaybookOnDisk_IsValid()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, MinimalPlaybook);
            var result = PlaybookLoader.LoadFile(path);
            Assert.True(result.IsValid, Describe(result.Diagnostics));
            Assert.Equal(path, result.Playbook!.File);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadFile_MissingFile_ReportsNoSuchFile()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".yaml");
        var diagnostic = Assert.Single(PlaybookLoader.LoadFile(path).Diagnostics);
        Assert.Equal(path, diagnostic.File);
        Assert.Contains("no such file", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_Directory_ReportsDirectory()
    {
        var diagnostic = Assert.Single(PlaybookLoader.LoadFile(Path.GetTempPath()).Diagnostics);
        Assert.Contains("is a directory", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InvalidUtf8_ReportsPositionOfTheBadByte()
    {
        var content = Encoding.UTF8.GetBytes("name: x\nab: é").Concat(new byte[] { 0xFF, (byte)'\n' }).ToArray();
        var diagnostic = Assert.Single(PlaybookLoader.Load(content, FileName).Diagnostics);
        AssertDiagnostic(diagnostic, 2, 6, "file is not UTF-8 text");
    }

    [Fact]
    public void Load_BinaryJunk_ReportsNotText()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D];
        var result = PlaybookLoader.Load(png, FileName);
        Assert.Null(result.Playbook);
        AssertDiagnostic(Assert.Single(result.Diagnostics), 1, 1, "file is not UTF-8 text");
    }

    [Fact]
    public void Load_NulByte_ReportsBinaryDataAtItsPlace()
    {
        SingleError("name: demo\nta\0sks: 1\n", 2, 3, "file holds binary data (control character U+0000)");
    }

    [Fact]
    public void Load_NulByteInUtf8Bytes_ReportsBinaryData()
    {
        var result = PlaybookLoader.Load(Encoding.UTF8.GetBytes("name: demo\0\n"), FileName);
        AssertDiagnostic(Assert.Single(result.Diagnostics), 1, 11, "binary data", "U+0000");
    }

    [Fact]
    public void Load_EscapeControlCharacter_ReportsBinaryData()
    {
        SingleError("name: demo\u001b[31m\n", 1, 11, "control character U+001B");
    }

    [Fact]
    public void Load_ByteOrderMark_IsIgnored()
    {
        var content = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(MinimalPlaybook)).ToArray();
        var result = PlaybookLoader.Load(content, FileName);
        Assert.True(result.IsValid, Describe(result.Diagnostics));
        Assert.Equal(PlaybookLoader.Load(MinimalPlaybook, FileName).Playbook!.Version, result.Playbook!.Version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("   ")]
    public void Load_EmptyFile_ReportsEmpty(string text)
    {
        var diagnostic = Assert.Single(Errors(text));
        Assert.Contains("file is empty; a playbook needs at least a name and tasks", diagnostic.Message, StringComparison.Ordinal);
        Assert.True(diagnostic.Line >= 1 && diagnostic.Column >= 1);
    }

    [Fact]
    public void Load_CommentsOnly_ReportsEmpty()
    {
        var diagnostic = Assert.Single(Errors("# just a comment\n# and another\n"));
        Assert.Contains("file is empty", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyBytes_ReportsEmpty()
    {
        var diagnostic = Assert.Single(PlaybookLoader.Load([], FileName).Diagnostics);
        AssertDiagnostic(diagnostic, 1, 1, "file is empty");
    }

    [Fact]
    public void Load_TwoDocuments_ReportsTheSecond()
    {
        SingleError(MinimalPlaybook + "\n---\nname: other\n", 6, 1, "a playbook file holds one YAML document; found a second one");
    }

    [Fact]
    public void Load_ExplicitDocumentMarkers_AreAccepted()
    {
        Valid("---\n" + MinimalPlaybook + "\n...\n");
    }

    [Theory]
    [InlineData("- a\n- b\n", "found a list")]
    [InlineData("hello\n", "found 'hello'")]
    [InlineData("~\n", "found null")]
    [InlineData("\"just text\"\n", "found 'just text'")]
    public void Load_RootNotAMapping_ReportsWhatWasFound(string text, string found)
    {
        SingleError(text, 1, 1, "a playbook is a mapping with 'name' and 'tasks'", found);
    }

    [Fact]
    public void Load_MergeKey_MergesTheAnchoredMapping()
    {
        var playbook = Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - &base { uses: http, timeout: 5m, retry: 3 }
              b:
                steps:
                  - <<: *base
                    timeout: 1m
            """);
        var step = playbook.FindTask("b")!.Steps[0];
        Assert.Equal("http", step.Uses);
        Assert.Equal(TimeSpan.FromMinutes(1), step.Timeout);
        Assert.Equal(3, step.Retry!.Attempts);
    }

    [Fact]
    public void Load_MergeKeyWithListOfMappings_MergesEach()
    {
        var playbook = Valid(
            """
            name: demo
            tasks:
              a:
                steps:
                  - &one { uses: log }
                  - &two { uses: noop, timeout: 2m, continue_on_error: true }
                  - <<: [*one, *two]
                    id: merged
            """);
        var step = playbook.Tasks[0].Steps[2];
        Assert.Equal("merged", step.Id);
        Assert.Equal("log", step.Uses);
        Assert.Equal(TimeSpan.FromMinutes(2), step.Timeout);
        Assert.True(step.ContinueOnError);
    }

    [Fact]
    public void Load_MergeKeyWithText_ReportsExpectedMapping()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                <<: 5
                steps:
                  - uses: noop
            """,
            4, 9, "a merge key '<<' takes a mapping or a list of mappings");
    }

    [Fact]
    public void Load_MergedKeysAreCheckedLikeOthers_ReportsUnknownMergedKey()
    {
        var diagnostics = Errors(
            """
            name: demo
            tasks:
              a:
                steps:
                  - &base { uses: noop, colour: red }
                  - <<: *base
                    id: two
            """);
        Assert.Equal(2, diagnostics.Count);
        Assert.All(diagnostics, d => Assert.Contains("unknown key 'colour'", d.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_AliasToScalar_UsesTheAnchoredValue()
    {
        var playbook = Valid(
            """
            name: &n demo
            description: *n
            tasks:
              a:
                timeout: &t 90s
                steps:
                  - uses: noop
                    timeout: *t
            """);
        Assert.Equal("demo", playbook.Description);
        Assert.Equal(TimeSpan.FromSeconds(90), playbook.Tasks[0].Steps[0].Timeout);
    }

    [Fact]
    public void Load_AliasBeforeAnchor_ReportsUnknownAnchor()
    {
        SingleError("name: *x\ndescription: &x demo\n", 1, 7, "alias '*x' names no anchor defined before it");
    }

    [Fact]
    public void Load_BadIndentation_ReportsSyntaxErrorAtTheLine()
    {
        SingleError(
            """
            name: demo
            tasks:
              a:
                steps:
                  - uses: noop
                 bad: indent
            """,
            6, 6, "YAML syntax:", "did not find expected key");
    }

    [Fact]
    public void Load_UnclosedFlowList_ReportsSyntaxError()
    {
        SingleError("name: demo\ntasks: { a: [ }\n", 2, 15, "YAML syntax:", "did not find expected node content");
    }

    [Fact]
    public void Load_UnclosedQuote_ReportsSyntaxError()
    {
        var diagnostic = Assert.Single(Errors("name: \"demo\ntasks: {}\n"));
        Assert.Contains("YAML syntax:", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(1, diagnostic.Line);
        Assert.Equal(7, diagnostic.Column);
    }

    [Fact]
    public void Load_FlowListRunningIntoNextLine_ReportsUnclosedBracketNotInternalError()
    {
        var diagnostic = SingleError("name: demo\nlabels: [a, b\nowner: me\n", 2, 9, "YAML syntax: this '[' is never closed with ']'");
        Assert.DoesNotContain(PlaybookLoader.InternalErrorPrefix, diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FlowMappingWithCommentInsteadOfBrace_ReportsUnclosedBrace()
    {
        SingleError(
            """
            name: demo
            defaults:
              retry: { attempts: 1       # never ask twice
              timeout: 5m
            tasks:
              a:
                steps:
                  - uses: noop
            """,
            3, 10, "YAML syntax: this '{' is never closed with '}'");
    }

    [Fact]
    public void Load_FlowListInsideFlowMappingUnclosed_ReportsInnermostBracket()
    {
        SingleError("name: demo\nlabels: { a: [x, y\nowner: me\n", 2, 14, "this '[' is never closed");
    }

    [Fact]
    public void Read_LiteralBlockScalar_ContentStartsOnNextLineAtBlockIndentation()
    {
        var root = Assert.IsType<YamlMapping>(YamlReader.Read("a:\n  run: |\n    one\n      two\n", "p.yaml").Root);
        var run = Assert.IsType<YamlScalar>(Assert.IsType<YamlMapping>(root["a"])["run"]);
        Assert.Equal(new SourcePosition(2, 8), run.Position);
        Assert.Equal(new SourcePosition(3, 5), run.ContentPosition);
        Assert.Equal(new SourcePosition(4, 7), ScalarPositions.At(run.ContentPosition, run.Style, run.Value, run.Value.IndexOf("two", StringComparison.Ordinal)));
    }

    [Fact]
    public void Read_BlockScalarWithIndentationIndicator_ContentPositionIsTheBlockIndentation()
    {
        var root = Assert.IsType<YamlMapping>(YamlReader.Read("run: |2\n    kept\n  base\n", "p.yaml").Root);
        var run = Assert.IsType<YamlScalar>(root["run"]);
        Assert.Equal("  kept\nbase\n", run.Value);
        Assert.Equal(new SourcePosition(2, 3), run.ContentPosition);
    }

    [Fact]
    public void Read_BlockScalarAfterBlankLines_CountsTheBlankLines()
    {
        var root = Assert.IsType<YamlMapping>(YamlReader.Read("run: |\n\n\n  x ${{ y }}\n", "p.yaml").Root);
        var run = Assert.IsType<YamlScalar>(root["run"]);
        Assert.Equal(new SourcePosition(4, 5), ScalarPositions.At(run.ContentPosition, run.Style, run.Value, run.Value.IndexOf('$', StringComparison.Ordinal)));
    }

    [Fact]
    public void Read_PlainAndQuotedScalars_ContentPositionIsTheirPosition()
    {
        var root = Assert.IsType<YamlMapping>(YamlReader.Read("a: x\nb: \"y\"\n", "p.yaml").Root);
        Assert.Equal(root["a"]!.Position, Assert.IsType<YamlScalar>(root["a"]).ContentPosition);
        Assert.Equal(root["b"]!.Position, Assert.IsType<YamlScalar>(root["b"]).ContentPosition);
        Assert.Equal(new SourcePosition(2, 5), ScalarPositions.At(root["b"]!.Position, YamlScalarStyle.Quoted, "y", 0));
    }

    [Fact]
    public void Load_TabIndentation_ReportsTheLineWithTheTab()
    {
        var diagnostic = Assert.Single(Errors("name: demo\ntasks:\n\ta: 1\n"));
        Assert.Contains("YAML syntax:", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("tab", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal((3, 1), (diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void Load_TagThatIsNoUri_ReportsSyntaxErrorNotInternalError()
    {
        var diagnostic = SingleError("name: demo\ndescription: !!'true[x\n", 2, 1, "YAML syntax: global tags must be valid URIs");
        Assert.DoesNotContain("Parameter", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnsupportedTag_ReportsTag()
    {
        SingleError("name: !!int demo\n" + OneTask, 1, 7, "YAML tag 'tag:yaml.org,2002:int' is not supported");
    }

    [Fact]
    public void Load_StringTagOnPlainScalar_MakesItText()
    {
        var playbook = Valid("name: demo\nlabels: { version: !!str 1.10 }\n" + OneTask);
        Assert.Equal("1.10", playbook.Labels["version"]);
    }

    [Fact]
    public void Load_ListAsMappingKey_ReportsKeyMustBeText()
    {
        SingleError("name: demo\n? [a]\n: 1\n" + OneTask, 2, 3, "a mapping key must be plain text, not a list");
    }

    [Fact]
    public void Read_ValidText_KeepsPositionsOfNodes()
    {
        var result = YamlReader.Read("name: demo\ntasks:\n  a: [1, 2]\n", "p.yaml");
        var root = Assert.IsType<YamlMapping>(result.Root);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(new SourcePosition(1, 7), root["name"]!.Position);
        var tasks = Assert.IsType<YamlMapping>(root["tasks"]);
        var list = Assert.IsType<YamlSequence>(tasks["a"]);
        Assert.Equal(new SourcePosition(3, 6), list.Position);
        Assert.Equal(new SourcePosition(3, 10), list.Items[1].Position);
        Assert.Equal(3, list.Size);
        Assert.Null(root["missing"]);
    }

    [Fact]
    public void Read_Scalars_KeepTheirStyle()
    {
        var root = Assert.IsType<YamlMapping>(YamlReader.Read("a: plain\nb: 'single'\nc: \"double\"\nd: |\n  block\ne: >\n  folded\n", "p.yaml").Root);
        Assert.Equal(YamlScalarStyle.Plain, Assert.IsType<YamlScalar>(root["a"]).Style);
        Assert.Equal(YamlScalarStyle.Quoted, Assert.IsType<YamlScalar>(root["b"]).Style);
        Assert.Equal(YamlScalarStyle.Quoted, Assert.IsType<YamlScalar>(root["c"]).Style);
        Assert.Equal(YamlScalarStyle.Block, Assert.IsType<YamlScalar>(root["d"]).Style);
        Assert.Equal("block\n", Assert.IsType<YamlScalar>(root["d"]).Value);
        Assert.Equal(YamlScalarStyle.Block, Assert.IsType<YamlScalar>(root["e"]).Style);
    }

    [Fact]
    public void Describe_Nodes_ReadWell()
    {
        var root = Assert.IsType<YamlMapping>(YamlReader.Read("a: ~\nb: [1]\nc: " + new string('x', 50) + "\n", "p.yaml").Root);
        Assert.Equal("null", root["a"]!.Describe());
        Assert.Equal("a list", root["b"]!.Describe());
        Assert.Equal("'" + new string('x', 37) + "...'", root["c"]!.Describe());
        Assert.Equal("a mapping", root.Describe());
    }
}
