using System.Globalization;
using System.Xml;

namespace Orleans.Workflow.Playbooks.Model;

/// <summary>Durations as playbooks write them: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, compounds such as <c>1h30m</c>, or ISO 8601 (<c>PT30S</c>).</summary>
public static class Duration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text[0] is 'P' or 'p' or '-' && text.Length > 1)
        {
            try
            {
                value = XmlConvert.ToTimeSpan(text.ToUpperInvariant());
                return value >= TimeSpan.Zero;
            }
            catch (FormatException)
            {
                return false;
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        var span = text.AsSpan();
        decimal totalMs = 0;
        var lastRank = int.MaxValue;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !decimal.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            span = span[digits..];
            var (unitLength, rank, ms) = span switch
            {
                _ when span.StartsWith("ms") => (2, 0, 1m),
                _ when span.StartsWith("s") => (1, 1, 1_000m),
                _ when span.StartsWith("m") => (1, 2, 60_000m),
                _ when span.StartsWith("h") => (1, 3, 3_600_000m),
                _ when span.StartsWith("d") => (1, 4, 86_400_000m),
                _ => (0, 0, 0m),
            };
            if (unitLength == 0 || rank >= lastRank)
            {
                return false;
            }

            lastRank = rank;
            span = span[unitLength..];
            const decimal limit = 100m * 365 * 86_400_000; // a century is longer than any workflow waits
            if (amount > limit || totalMs + (amount * ms) > limit)
            {
                return false;
            }

            totalMs += amount * ms;
        }

        value = TimeSpan.FromMilliseconds((double)totalMs);
        return true;
    }

    /// <summary>The shortest form that <see cref="TryParse"/> reads back: <c>1h30m</c>, <c>250ms</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var parts = new System.Text.StringBuilder();
        Append(value.Days, "d");
        Append(value.Hours, "h");
        Append(value.Minutes, "m");
        Append(value.Seconds, "s");
        Append(value.Milliseconds, "ms");
        return parts.ToString();

        void Append(int amount, string unit)
        {
            if (amount != 0)
            {
                parts.Append(amount.ToString(CultureInfo.InvariantCulture)).Append(unit);
            }
        }
    }
}
