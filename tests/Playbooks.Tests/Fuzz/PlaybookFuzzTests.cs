using System.Text;
using Orleans.Workflow.Playbooks.Tests.Validation;

namespace Orleans.Workflow.Playbooks.Tests.Fuzz;

/// <summary>
/// Mutates the example playbooks at random (fixed seeds, so every failure can be replayed) and checks the loader
/// only ever answers with positioned diagnostics: no exception, and no internal error.
/// </summary>
public class PlaybookFuzzTests
{
    private const int MutationsPerFile = 300;

    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", "*", "&", ":", ": ", "- ", "? ", "${{", "}}", "$${{", "${{ }}", "${{ x }}", "${{ (", "!!int ", "!!str ", "!custom ",
        "<<: ", "'", "\"", "#", "|", ">", "|-", ",", "%", "@", "`", "\\", "\t", "\r", "\n", "---\n", "...", "~", "&a ", "*a", "0x", ".inf",
        "é", "\u00a0", "\u2028", "\ud83d\ude00", "null", "true", "-1", "1e999",
    ];

    private static readonly string[] Scalars =
    [
        "[a, b]", "{ x: 1 }", "[]", "{}", "~", "true", "-3", "0", "1.5", "\"\"", "*a", "&a x", "!!str 5", "|\n  block\n", "${{ params }}",
        "\"${{ tasks.a.outputs }}\"", "\"${{ steps.x.output }}\"", "- a\n- b", "? x", "5 minutes", "PT1H", "0 25 * * *", "{ playbook: x, task: y }",
    ];

    public static TheoryData<string> ExampleFiles() => ExamplePlaybookTests.ExampleFiles();

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Load_MutatedExample_OnlyAnswersWithPositionedDiagnostics(string name)
    {
        var original = File.ReadAllText(Path.Combine(ExamplePlaybookTests.ExamplesFolder(), name));
        var fileIndex = Array.IndexOf(ExampleNames(), name);
        for (var i = 0; i < MutationsPerFile; i++)
        {
            var seed = (fileIndex * 10_000) + i;
            var mutated = Mutate(original, new Random(seed));
            var problem = Check(mutated, name);
            Assert.True(problem is null, $"seed {seed} ({name}): {problem}\n--- mutated text ---\n{mutated}\n--- end ---");
        }
    }

    [Fact]
    public void Load_RandomBytes_OnlyAnswersWithPositionedDiagnostics()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            string? problem;
            try
            {
                problem = Validate(PlaybookLoader.Load(bytes, "random.yaml"), bytes.Length + 1);
            }
            catch (Exception ex)
            {
                problem = "threw " + ex;
            }

            Assert.True(problem is null, $"seed {seed}: {problem}\nbytes: {Convert.ToHexString(bytes)}");
        }
    }

    [Fact]
    public void Load_RandomYamlishText_OnlyAnswersWithPositionedDiagnostics()
    {
        const string alphabet = "ab:- \n  {}[],*&!|>'\"#?%@`~$\\\t0123.";
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var text = new StringBuilder();
            for (var i = random.Next(0, 300); i > 0; i--)
            {
                text.Append(random.Next(4) == 0 ? Tokens[random.Next(Tokens.Length)] : alphabet[random.Next(alphabet.Length)].ToString());
            }

            var problem = Check(text.ToString(), "random.yaml");
            Assert.True(problem is null, $"seed {seed}: {problem}\n--- text ---\n{text}\n--- end ---");
        }
    }

    [Fact]
    public void Load_ManyThreadsAtOnce_GivesTheSameDiagnosticsAsOneThread()
    {
        var names = ExampleNames();
        var texts = new List<(int Seed, string Name, string Text)>();
        for (var fileIndex = 0; fileIndex < names.Length; fileIndex++)
        {
            var original = File.ReadAllText(Path.Combine(ExamplePlaybookTests.ExamplesFolder(), names[fileIndex]));
            texts.Add((-1, names[fileIndex], original));
            for (var i = 0; i < 50; i++)
            {
                var seed = (fileIndex * 10_000) + i;
                texts.Add((seed, names[fileIndex], Mutate(original, new Random(seed))));
            }
        }

        var expected = texts.Select(t => Render(PlaybookLoader.Load(t.Text, t.Name))).ToArray();
        var actual = new string[texts.Count * 4];
        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount) }, i =>
        {
            var (_, name, text) = texts[i % texts.Count];
            actual[i] = Render(PlaybookLoader.Load(text, name));
        });

        for (var i = 0; i < actual.Length; i++)
        {
            var (seed, name, _) = texts[i % texts.Count];
            Assert.True(expected[i % texts.Count] == actual[i], $"seed {seed} ({name}) differs on another thread:\n{actual[i]}\n--- alone ---\n{expected[i % texts.Count]}");
        }

        static string Render(PlaybookLoadResult result) => (result.Playbook?.Version ?? "invalid") + "\n" + string.Join('\n', result.Diagnostics);
    }

    [Fact]
    public void Mutate_SameSeed_GivesSameText()
    {
        var original = File.ReadAllText(Path.Combine(ExamplePlaybookTests.ExamplesFolder(), ExampleNames()[0]));
        Assert.Equal(Mutate(original, new Random(42)), Mutate(original, new Random(42)));
    }

    private static string[] ExampleNames() =>
        [.. Directory.GetFiles(ExamplePlaybookTests.ExamplesFolder(), "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    private static string? Check(string text, string file)
    {
        try
        {
            // YAML also breaks lines at '\r', U+0085, U+2028 and U+2029; positions may count those.
            return Validate(PlaybookLoader.Load(text, file), text.Count(c => c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029') + 2);
        }
        catch (Exception ex)
        {
            return "threw " + ex;
        }
    }

    private static string? Validate(PlaybookLoadResult result, int maxLine)
    {
        if (result.Playbook is null && result.Diagnostics.Count == 0)
        {
            return "no playbook and no diagnostic";
        }

        if (result.Playbook is not null && result.Diagnostics.Count > 0)
        {
            return "a playbook together with diagnostics";
        }

        foreach (var diagnostic in result.Diagnostics)
        {
            if (diagnostic.Message.StartsWith(PlaybookLoader.InternalErrorPrefix, StringComparison.Ordinal))
            {
                return "internal error: " + diagnostic;
            }

            if (diagnostic.Line < 1 || diagnostic.Column < 1 || diagnostic.Line > maxLine)
            {
                return "diagnostic outside the file: " + diagnostic;
            }

            if (string.IsNullOrWhiteSpace(diagnostic.Message))
            {
                return "diagnostic without a message: " + diagnostic;
            }
        }

        return null;
    }

    /// <summary>Applies one to three random edits.</summary>
    internal static string Mutate(string text, Random random)
    {
        var edits = random.Next(1, 4);
        for (var i = 0; i < edits; i++)
        {
            text = MutateOnce(text, random);
        }

        return text;
    }

    private static string MutateOnce(string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        var line = random.Next(lines.Count);
        switch (random.Next(12))
        {
            case 0:
                lines.RemoveAt(line);
                break;
            case 1:
                lines.Insert(line, lines[line]);
                break;
            case 2:
                var other = random.Next(lines.Count);
                (lines[line], lines[other]) = (lines[other], lines[line]);
                break;
            case 3:
                var spaces = random.Next(1, 5);
                lines[line] = random.Next(3) switch
                {
                    0 => new string(' ', spaces) + lines[line],
                    1 => lines[line].TrimStart().PadLeft(lines[line].TrimStart().Length + Math.Max(0, Indent(lines[line]) - spaces)),
                    _ => "\t" + lines[line],
                };
                break;
            case 4:
            case 5:
                return Insert(text, random, Tokens[random.Next(Tokens.Length)]);
            case 6:
                return Insert(text, random, ((char)random.Next(32, 127)).ToString());
            case 7:
                return text[..random.Next(text.Length + 1)];
            case 8:
                lines[line] = ReplaceValue(lines[line], Scalars[random.Next(Scalars.Length)]);
                break;
            case 9:
                if (text.Length > 0)
                {
                    var at = random.Next(text.Length);
                    return text.Remove(at, Math.Min(text.Length - at, random.Next(1, 6)));
                }

                break;
            case 10:
                var junk = new StringBuilder();
                for (var i = random.Next(1, 20); i > 0; i--)
                {
                    junk.Append(Tokens[random.Next(Tokens.Length)]);
                }

                lines[line] = junk.ToString();
                break;
            default:
                var anchor = random.Next(lines.Count);
                lines[anchor] = ReplaceValue(lines[anchor], "&a " + ValueOf(lines[anchor]));
                lines[line] = ReplaceValue(lines[line], "*a");
                break;
        }

        return string.Join('\n', lines);
    }

    private static string Insert(string text, Random random, string token) => text.Insert(random.Next(text.Length + 1), token);

    private static int Indent(string line) => line.Length - line.TrimStart(' ').Length;

    private static string ValueOf(string line)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? line.Trim().TrimStart('-', ' ') : line[(colon + 2)..];
    }

    /// <summary>Replaces what follows the line's first ": " (or its list item) with <paramref name="value"/>.</summary>
    private static string ReplaceValue(string line, string value)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        if (colon >= 0)
        {
            return line[..(colon + 2)] + value;
        }

        var dash = line.IndexOf("- ", StringComparison.Ordinal);
        return dash >= 0 ? line[..(dash + 2)] + value : line + value;
    }
}
