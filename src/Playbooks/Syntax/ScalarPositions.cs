namespace Orleans.Workflow.Playbooks.Syntax;

/// <summary>
/// Maps an offset inside a scalar's value back to the file, from the scalar's <see cref="YamlScalar.ContentPosition"/>.
/// Exact for one-line plain and quoted scalars without escapes and for literal block scalars ("|");
/// folded and multi-line flow scalars join their lines, so there the position is approximate.
/// </summary>
public static class ScalarPositions
{
    public static SourcePosition At(SourcePosition start, YamlScalarStyle style, string value, int offset)
    {
        ArgumentNullException.ThrowIfNull(value);
        offset = Math.Clamp(offset, 0, value.Length);
        var lineBreaks = 0;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (value[i] == '\n')
            {
                lineBreaks++;
                lineStart = i + 1;
            }
        }

        return style switch
        {
            YamlScalarStyle.Block => new SourcePosition(start.Line + lineBreaks, start.Column + offset - lineStart),
            _ when lineBreaks > 0 => new SourcePosition(start.Line + lineBreaks, 1 + offset - lineStart),
            YamlScalarStyle.Quoted => new SourcePosition(start.Line, start.Column + 1 + offset),
            _ => new SourcePosition(start.Line, start.Column + offset),
        };
    }
}
