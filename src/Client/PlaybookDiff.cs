using System.Text;

namespace Orleans.Workflow.Client;

/// <summary>A line diff of two playbook versions, in unified format (<c>---</c>/<c>+++</c>, <c>@@</c> hunks, 3 lines of context).</summary>
public static class PlaybookDiff
{
    private const int Context = 3;

    // Past this many cells the middle part is shown as replaced whole rather than diffed line by line.
    private const long MaxCells = 4_000_000;

    public static string Unified(string before, string after, string beforeLabel, string afterLabel)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var a = Lines(before);
        var b = Lines(after);
        var edits = Edits(a, b);
        if (edits.All(e => e.Kind == ' '))
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        text.Append("--- ").Append(beforeLabel).Append('\n');
        text.Append("+++ ").Append(afterLabel).Append('\n');
        var i = 0;
        while (i < edits.Count)
        {
            if (edits[i].Kind == ' ')
            {
                i++;
                continue;
            }

            // A hunk: from 3 lines before this change to 3 lines after the last change that is within 6 lines of the next.
            var start = Math.Max(0, i - Context);
            var end = i;
            while (end < edits.Count)
            {
                var next = end;
                while (next < edits.Count && edits[next].Kind == ' ')
                {
                    next++;
                }

                if (next >= edits.Count || next - end > 2 * Context)
                {
                    break;
                }

                end = next;
                while (end < edits.Count && edits[end].Kind != ' ')
                {
                    end++;
                }
            }

            var stop = Math.Min(edits.Count, end + Context);
            var hunk = edits.GetRange(start, stop - start);
            var fromLine = edits[start].A + 1;
            var toLine = edits[start].B + 1;
            text.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"@@ -{fromLine},{hunk.Count(e => e.Kind != '+')} +{toLine},{hunk.Count(e => e.Kind != '-')} @@\n");
            foreach (var edit in hunk)
            {
                text.Append(edit.Kind).Append(edit.Text).Append('\n');
            }

            i = stop;
        }

        return text.ToString();
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');

    private readonly record struct Edit(char Kind, string Text, int A, int B);

    private static List<Edit> Edits(string[] a, string[] b)
    {
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)])
        {
            suffix++;
        }

        var edits = new List<Edit>();
        for (var k = 0; k < prefix; k++)
        {
            edits.Add(new Edit(' ', a[k], k, k));
        }

        var n = a.Length - prefix - suffix;
        var m = b.Length - prefix - suffix;
        if ((long)(n + 1) * (m + 1) > MaxCells)
        {
            for (var k = 0; k < n; k++)
            {
                edits.Add(new Edit('-', a[prefix + k], prefix + k, prefix));
            }

            for (var k = 0; k < m; k++)
            {
                edits.Add(new Edit('+', b[prefix + k], prefix + n, prefix + k));
            }
        }
        else
        {
            // Longest common subsequence of the middle parts, then walk it.
            var lcs = new int[n + 1, m + 1];
            for (var x = n - 1; x >= 0; x--)
            {
                for (var y = m - 1; y >= 0; y--)
                {
                    lcs[x, y] = a[prefix + x] == b[prefix + y] ? lcs[x + 1, y + 1] + 1 : Math.Max(lcs[x + 1, y], lcs[x, y + 1]);
                }
            }

            int i = 0, j = 0;
            while (i < n || j < m)
            {
                if (i < n && j < m && a[prefix + i] == b[prefix + j])
                {
                    edits.Add(new Edit(' ', a[prefix + i], prefix + i, prefix + j));
                    i++;
                    j++;
                }
                else if (i < n && (j == m || lcs[i + 1, j] >= lcs[i, j + 1]))
                {
                    edits.Add(new Edit('-', a[prefix + i], prefix + i, prefix + j));
                    i++;
                }
                else
                {
                    edits.Add(new Edit('+', b[prefix + j], prefix + i, prefix + j));
                    j++;
                }
            }
        }

        for (var k = 0; k < suffix; k++)
        {
            edits.Add(new Edit(' ', a[a.Length - suffix + k], a.Length - suffix + k, b.Length - suffix + k));
        }

        return edits;
    }
}
