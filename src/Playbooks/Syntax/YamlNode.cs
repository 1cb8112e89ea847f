namespace Orleans.Workflow.Playbooks.Syntax;

/// <summary>A node of a YAML document, with the position it was read from.</summary>
public abstract class YamlNode(SourcePosition position)
{
    public SourcePosition Position { get; } = position;

    /// <summary>Number of nodes in this subtree, this one included (aliases count their whole target).</summary>
    public abstract int Size { get; }

    /// <summary>How the node reads in a message: "a mapping", "a list", "the text 'abc'".</summary>
    public abstract string Describe();
}

/// <summary>How a scalar was written: plain scalars are resolved to null, bool and numbers.</summary>
public enum YamlScalarStyle
{
    Plain,
    Quoted,
    Block,
}

public sealed class YamlScalar(string value, YamlScalarStyle style, SourcePosition position, SourcePosition? contentPosition = null)
    : YamlNode(position)
{
    public string Value { get; } = value;

    public YamlScalarStyle Style { get; } = style;

    /// <summary>
    /// The anchor for <see cref="ScalarPositions.At"/>: for a block scalar, where its first content line starts
    /// (at the block's indentation); for any other scalar, <see cref="YamlNode.Position"/>.
    /// </summary>
    public SourcePosition ContentPosition { get; } = contentPosition ?? position;

    public bool IsPlain => Style == YamlScalarStyle.Plain;

    /// <summary>A plain <c>~</c>, <c>null</c> or empty scalar.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override int Size => 1;

    public override string Describe() => IsNull ? "null" : $"'{Truncate(Value)}'";

    private static string Truncate(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");
}

public sealed class YamlSequence(IReadOnlyList<YamlNode> items, int size, SourcePosition position) : YamlNode(position)
{
    public IReadOnlyList<YamlNode> Items { get; } = items;

    public override int Size { get; } = size;

    public override string Describe() => "a list";
}

public sealed class YamlMapping(IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> entries, int size, SourcePosition position)
    : YamlNode(position)
{
    public IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = entries;

    public override int Size { get; } = size;

    public YamlNode? this[string key]
    {
        get
        {
            foreach (var entry in Entries)
            {
                if (entry.Key.Value == key)
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }

    public override string Describe() => "a mapping";
}
