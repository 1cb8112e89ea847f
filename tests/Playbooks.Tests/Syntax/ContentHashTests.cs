using Orleans.Workflow.Playbooks.Syntax;
using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Syntax;

public class ContentHashTests
{
    private const string Block = """
        name: demo
        description: Daily load
        labels:
          domain: health
          tier: gold
        params:
          countries:
            type: list
            default: [DE, FR]
          retries: { type: int, default: 3 }
        tasks:
          extract:
            steps:
              - id: fetch
                uses: http
                with:
                  url: "https://x/${{ params.countries[0] }}"
                  expect: [200]
          load:
            needs: [extract]
            steps:
              - uses: log
                with:
                  message: done
        """;

    private static string Version(string yaml) => Valid(yaml).Version;

    [Fact]
    public void Version_SameText_IsSame()
    {
        Assert.Equal(Version(Block), Version(Block));
    }

    [Fact]
    public void Version_AnyPlaybook_IsLowercaseSha256Hex()
    {
        Assert.Matches("^[0-9a-f]{64}$", Version(Block));
        Assert.Equal(Version(Block)[..12], ContentHash.Short(Version(Block)));
    }

    [Fact]
    public void Version_FlowStyleInsteadOfBlock_IsSame()
    {
        const string flow = """
            { name: demo, description: Daily load, labels: { domain: health, tier: gold },
              params: { countries: { type: list, default: [DE, FR] }, retries: { type: int, default: 3 } },
              tasks: { extract: { steps: [ { id: fetch, uses: http, with: { url: "https://x/${{ params.countries[0] }}", expect: [200] } } ] },
                       load: { needs: [extract], steps: [ { uses: log, with: { message: done } } ] } } }
            """;
        Assert.Equal(Version(Block), Version(flow));
    }

    [Fact]
    public void Version_KeysInOtherOrder_IsSame()
    {
        const string reordered = """
            tasks:
              load:
                steps:
                  - with:
                      message: done
                    uses: log
                needs: [extract]
              extract:
                steps:
                  - uses: http
                    with:
                      expect: [200]
                      url: "https://x/${{ params.countries[0] }}"
                    id: fetch
            params:
              retries: { default: 3, type: int }
              countries:
                default: [DE, FR]
                type: list
            labels:
              tier: gold
              domain: health
            description: Daily load
            name: demo
            """;
        Assert.Equal(Version(Block), Version(reordered));
    }

    [Fact]
    public void Version_CommentsBlankLinesAndIndentation_AreIgnored()
    {
        const string commented = """
            # a comment at the top
            name: demo   # trailing comment
            description: Daily load

            labels:
                domain: health
                tier: gold
            params:
                countries:
                    type: list      # the type
                    default: [ DE,   FR ]
                retries: { type: int, default: 3 }
            tasks:
                extract:
                    steps:
                    -   id: fetch
                        uses: http
                        with:
                            url: "https://x/${{ params.countries[0] }}"
                            expect: [200]
                # between tasks
                load:
                    needs: [extract]
                    steps:
                    - uses: log
                      with:
                          message: done
            """;
        Assert.Equal(Version(Block), Version(commented));
    }

    [Fact]
    public void Version_QuotedPlainStrings_IsSame()
    {
        var quoted = Block
            .Replace("name: demo", "name: \"demo\"", StringComparison.Ordinal)
            .Replace("uses: log", "uses: 'log'", StringComparison.Ordinal)
            .Replace("message: done", "message: \"done\"", StringComparison.Ordinal)
            .Replace("default: [DE, FR]", "default: ['DE', \"FR\"]", StringComparison.Ordinal);
        Assert.NotEqual(Block, quoted);
        Assert.Equal(Version(Block), Version(quoted));
    }

    [Fact]
    public void Version_AliasInsteadOfRepeatedValue_IsSame()
    {
        var withAlias = Block
            .Replace("description: Daily load", "description: &d Daily load", StringComparison.Ordinal)
            .Replace("labels:", "owner: *d\nlabels:", StringComparison.Ordinal);
        var repeated = Block
            .Replace("labels:", "owner: Daily load\nlabels:", StringComparison.Ordinal);
        Assert.Equal(Version(repeated), Version(withAlias));
    }

    [Fact]
    public void Version_WindowsLineEndings_IsSame()
    {
        Assert.Equal(Version(Block), Version(Block.Replace("\n", "\r\n", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("message: done", "message: Done")]
    [InlineData("default: [DE, FR]", "default: [FR, DE]")]
    [InlineData("default: 3", "default: 4")]
    [InlineData("default: 3", "default: \"3\"")]
    [InlineData("expect: [200]", "expect: [201]")]
    [InlineData("name: demo", "name: demo2")]
    [InlineData("params.countries[0]", "params.countries[1]")]
    [InlineData("description: Daily load", "description: Daily  load")]
    [InlineData("uses: log", "uses: noop")]
    public void Version_ValueChanged_IsDifferent(string before, string after)
    {
        var changed = Block.Replace(before, after, StringComparison.Ordinal);
        Assert.NotEqual(Block, changed);
        Assert.NotEqual(Version(Block), Version(changed));
    }

    [Fact]
    public void Version_KeyAdded_IsDifferent()
    {
        Assert.NotEqual(Version(Block), Version(Block + "\nconcurrency: 1\n"));
    }

    [Fact]
    public void Version_BooleanSpellings_AreTheSameValue()
    {
        Assert.Equal(
            Version("name: demo\nfail_fast: true\n" + OneTask),
            Version("name: demo\nfail_fast: True\n" + OneTask));
    }

    [Fact]
    public void Version_NumberVersusQuotedNumber_IsDifferent()
    {
        Assert.NotEqual(
            Version("name: demo\nlabels: { v: 1 }\n" + OneTask),
            Version("name: demo\nlabels: { v: \"1\" }\n" + OneTask));
    }

    [Fact]
    public void Compute_ReadTree_MatchesLoaderVersion()
    {
        var root = YamlReader.Read(Block, "p.yaml").Root!;
        Assert.Equal(Version(Block), ContentHash.Compute(root));
    }
}
