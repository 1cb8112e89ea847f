using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Orleans.Workflow.Playbooks.Syntax;

/// <summary>The result of reading one YAML document: its root node, or the reasons there is none.</summary>
public sealed record YamlReadResult(YamlNode? Root, IReadOnlyList<Diagnostic> Diagnostics);

/// <summary>
/// Reads one YAML document into <see cref="YamlNode"/>s that keep their line and column.
/// Bounded: refuses files that are too large, too deep, or that expand past a node budget through aliases.
/// </summary>
public static partial class YamlReader
{
    private const string MergeKey = "<<";

    public static YamlReadResult Read(byte[] content, string file, YamlReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        limits ??= YamlReadLimits.Default;
        if (content.Length > limits.MaxBytes)
        {
            return Fail(file, SourcePosition.Start, $"file is {content.Length:N0} bytes; a playbook may be at most {limits.MaxBytes:N0} bytes");
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException ex)
        {
            return Fail(file, PositionOfByte(content, ex.Index), "file is not UTF-8 text");
        }

        return Read(text, file, limits);
    }

    public static YamlReadResult Read(string text, string file, YamlReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        limits ??= YamlReadLimits.Default;
        if (text.Length > limits.MaxBytes)
        {
            return Fail(file, SourcePosition.Start, $"file is over {limits.MaxBytes:N0} bytes; a playbook may be at most {limits.MaxBytes:N0} bytes");
        }

        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var control = IndexOfForbiddenControl(text);
        if (control >= 0)
        {
            return Fail(file, PositionOfChar(text, control), $"file holds binary data (control character U+{(int)text[control]:X4}); a playbook is YAML text");
        }

        var reader = new Reader(file, text, limits, new Parser(new StringReader(text)));
        try
        {
            return reader.ReadStream();
        }
        catch (YamlException ex)
        {
            var position = new SourcePosition((int)Math.Max(1, ex.Start.Line), (int)Math.Max(1, ex.Start.Column));
            if (ex.Start.Index == ex.End.Index && ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
            {
                // YamlDotNet places "tab as indentation" at the start of the enclosing mapping; point at the tab instead.
                position = PositionOfIndentingTab(text) ?? position;
            }

            return Fail(file, position, "YAML syntax: " + CleanMessage(ex.Message));
        }
        catch (InvalidOperationException ex) when (ThrownByYamlDotNet(ex))
        {
            // YamlDotNet fails this way (instead of with a YamlException) on some unclosed flow collections,
            // e.g. "retry: { attempts: 1" followed by more lines.
            return reader.OpenFlow is { } open
                ? Fail(file, open.Position, $"YAML syntax: this '{open.Bracket}' is never closed with '{(open.Bracket == '{' ? '}' : ']')}'; check the brackets and quotes inside it")
                : Fail(file, reader.LastPosition, "YAML syntax: malformed document near here");
        }
        catch (ArgumentException ex) when (ThrownByYamlDotNet(ex))
        {
            // ... and this way on some malformed tags ("!!'x").
            var message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
            return Fail(file, reader.LastPosition, "YAML syntax: " + CleanMessage(message));
        }
        catch (LimitExceededException ex)
        {
            return Fail(file, ex.Position, ex.Message);
        }
    }

    private static bool ThrownByYamlDotNet(Exception ex) => ex.TargetSite?.Module.Assembly == typeof(IParser).Assembly;

    private static SourcePosition? PositionOfIndentingTab(string text)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\n':
                    line++;
                    lineStart = i + 1;
                    break;
                case '\t' when text.AsSpan(lineStart, i - lineStart).IsWhiteSpace():
                    return new SourcePosition(line, i - lineStart + 1);
            }
        }

        return null;
    }

    private static YamlReadResult Fail(string file, SourcePosition position, string message) =>
        new(null, [new Diagnostic(file, position, message)]);

    private static int IndexOfForbiddenControl(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < ' ' && c is not '\t' and not '\n' and not '\r')
            {
                return i;
            }
        }

        return -1;
    }

    private static SourcePosition PositionOfChar(string text, int index)
    {
        int line = 1, column = 1;
        for (var i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return new SourcePosition(line, column);
    }

    private static SourcePosition PositionOfByte(byte[] content, int index)
    {
        int line = 1, column = 1;
        for (var i = 0; i < index && i < content.Length; i++)
        {
            if (content[i] == '\n')
            {
                line++;
                column = 1;
            }
            else if ((content[i] & 0xC0) != 0x80)
            {
                column++;
            }
        }

        return new SourcePosition(line, column);
    }

    private static string CleanMessage(string message)
    {
        var cleaned = PositionPrefix().Replace(message, string.Empty).Trim();
        return cleaned.Length == 0 ? "malformed document" : char.ToLowerInvariant(cleaned[0]) + cleaned[1..];
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex PositionPrefix();

    private sealed class LimitExceededException(SourcePosition position, string message) : Exception(message)
    {
        public SourcePosition Position { get; } = position;
    }

    private sealed class Reader(string file, string text, YamlReadLimits limits, IParser parser)
    {
        private readonly Dictionary<string, YamlNode> _anchors = new(StringComparer.Ordinal);
        private readonly List<Diagnostic> _diagnostics = [];
        private readonly Stack<(SourcePosition Position, char Bracket)> _openFlows = new();
        private int _nodes;

        /// <summary>The innermost '[' or '{' being read, if any.</summary>
        public (SourcePosition Position, char Bracket)? OpenFlow => _openFlows.Count > 0 ? _openFlows.Peek() : null;

        /// <summary>Where the last event read starts.</summary>
        public SourcePosition LastPosition => parser.Current is { } current ? Position(current.Start) : SourcePosition.Start;

        public YamlReadResult ReadStream()
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out var end))
            {
                return Fail(file, Position(end.Start), "file is empty; a playbook needs at least a name and tasks");
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(depth: 1);
            parser.Consume<DocumentEnd>();
            if (parser.Current is DocumentStart second)
            {
                _diagnostics.Add(new Diagnostic(file, Position(second.Start), "a playbook file holds one YAML document; found a second one"));
            }

            return new YamlReadResult(_diagnostics.Count == 0 ? root : null, _diagnostics);
        }

        private YamlNode ReadNode(int depth)
        {
            var current = parser.Current ?? throw new YamlException("unexpected end of file");
            var position = Position(current.Start);
            if (depth > limits.MaxDepth)
            {
                throw new LimitExceededException(position, $"nesting is deeper than {limits.MaxDepth} levels");
            }

            YamlNode node;
            switch (current)
            {
                case AnchorAlias alias:
                    parser.MoveNext();
                    if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        throw new LimitExceededException(position, $"alias '*{alias.Value.Value}' names no anchor defined before it");
                    }

                    Count(target.Size, position);
                    return target;

                case Scalar scalar:
                    parser.MoveNext();
                    CheckTag(scalar.Tag, position, allowString: true);
                    var style = IsStringTag(scalar.Tag) ? YamlScalarStyle.Quoted : scalar.Style switch
                    {
                        ScalarStyle.Plain or ScalarStyle.Any => YamlScalarStyle.Plain,
                        ScalarStyle.Literal or ScalarStyle.Folded => YamlScalarStyle.Block,
                        _ => YamlScalarStyle.Quoted,
                    };
                    Count(1, position);
                    node = new YamlScalar(scalar.Value, style, position, style == YamlScalarStyle.Block ? BlockContentPosition(scalar, position) : null);
                    Remember(scalar.Anchor, node);
                    return node;

                case SequenceStart start:
                    parser.MoveNext();
                    CheckTag(start.Tag, position, allowString: false);
                    node = InFlow(start.Style == SequenceStyle.Flow, position, '[', () => ReadSequence(depth, position));
                    Remember(start.Anchor, node);
                    return node;

                case MappingStart start:
                    parser.MoveNext();
                    CheckTag(start.Tag, position, allowString: false);
                    node = InFlow(start.Style == MappingStyle.Flow, position, '{', () => ReadMapping(depth, position));
                    Remember(start.Anchor, node);
                    return node;

                default:
                    throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
            }
        }

        private YamlNode InFlow(bool flow, SourcePosition position, char bracket, Func<YamlNode> read)
        {
            if (!flow)
            {
                return read();
            }

            _openFlows.Push((position, bracket));
            var node = read();
            _openFlows.Pop();
            return node;
        }

        /// <summary>
        /// Where the value of a block scalar starts: the line after its header ("|", ">-", "|2"), at the block's
        /// indentation, so offsets into the value map back to the file line by line.
        /// </summary>
        private SourcePosition BlockContentPosition(Scalar scalar, SourcePosition header)
        {
            var end = (int)Math.Min(text.Length, scalar.End.Index);
            var lineStart = text.IndexOf('\n', (int)Math.Min(text.Length, scalar.Start.Index)) + 1;
            while (lineStart > 0 && lineStart < end)
            {
                var lineEnd = text.IndexOf('\n', lineStart);
                var line = text.AsSpan(lineStart, (lineEnd < 0 ? text.Length : lineEnd) - lineStart).TrimEnd('\r');
                var spaces = line.Length - line.TrimStart(' ').Length;
                if (spaces < line.Length)
                {
                    // With an indentation indicator the value keeps the spaces beyond the block's indentation.
                    var firstValueLine = scalar.Value.AsSpan().TrimStart('\n');
                    var kept = firstValueLine.Length - firstValueLine.TrimStart(' ').Length;
                    return new SourcePosition(header.Line + 1, Math.Max(1, spaces - kept + 1));
                }

                lineStart = lineEnd + 1;
            }

            return new SourcePosition(header.Line + 1, header.Column);
        }

        private YamlSequence ReadSequence(int depth, SourcePosition position)
        {
            Count(1, position);
            var items = new List<YamlNode>();
            var size = 1;
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                var item = ReadNode(depth + 1);
                size += item.Size;
                items.Add(item);
            }

            return new YamlSequence(items, size, position);
        }

        private YamlMapping ReadMapping(int depth, SourcePosition position)
        {
            Count(1, position);
            var entries = new List<KeyValuePair<YamlScalar, YamlNode>>();
            var merged = new List<KeyValuePair<YamlScalar, YamlNode>>();
            var seen = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
            var size = 1;
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyNode = ReadNode(depth + 1);
                var value = ReadNode(depth + 1);
                size += keyNode.Size + value.Size;
                if (keyNode is not YamlScalar key)
                {
                    _diagnostics.Add(new Diagnostic(file, keyNode.Position, "a mapping key must be plain text, not " + keyNode.Describe()));
                    continue;
                }

                if (key.IsPlain && key.Value == MergeKey)
                {
                    CollectMerge(value, merged);
                    continue;
                }

                if (seen.TryGetValue(key.Value, out var first))
                {
                    _diagnostics.Add(new Diagnostic(file, key.Position, $"duplicate key '{key.Value}' (first at line {first.Line}, column {first.Column})"));
                    continue;
                }

                seen.Add(key.Value, key.Position);
                entries.Add(new(key, value));
            }

            foreach (var entry in merged)
            {
                if (seen.TryAdd(entry.Key.Value, entry.Key.Position))
                {
                    entries.Add(entry);
                }
            }

            return new YamlMapping(entries, size, position);
        }

        private void CollectMerge(YamlNode value, List<KeyValuePair<YamlScalar, YamlNode>> merged)
        {
            switch (value)
            {
                case YamlMapping mapping:
                    merged.AddRange(mapping.Entries);
                    break;
                case YamlSequence sequence when sequence.Items.All(i => i is YamlMapping):
                    foreach (var item in sequence.Items)
                    {
                        merged.AddRange(((YamlMapping)item).Entries);
                    }

                    break;
                default:
                    _diagnostics.Add(new Diagnostic(file, value.Position, "a merge key '<<' takes a mapping or a list of mappings"));
                    break;
            }
        }

        private void CheckTag(TagName tag, SourcePosition position, bool allowString)
        {
            if (tag.IsEmpty || tag.IsNonSpecific || (allowString && IsStringTag(tag)))
            {
                return;
            }

            _diagnostics.Add(new Diagnostic(file, position, $"YAML tag '{tag.Value}' is not supported"));
        }

        private void Remember(AnchorName anchor, YamlNode node)
        {
            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = node;
            }
        }

        private void Count(int nodes, SourcePosition position)
        {
            _nodes += nodes;
            if (_nodes > limits.MaxNodes)
            {
                throw new LimitExceededException(position, $"document expands to more than {limits.MaxNodes:N0} nodes (aliases included); refusing it");
            }
        }

        private static bool IsStringTag(TagName tag) =>
            !tag.IsEmpty && !tag.IsNonSpecific && tag.Value == "tag:yaml.org,2002:str";

        private static SourcePosition Position(Mark mark) =>
            new((int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));
    }
}
