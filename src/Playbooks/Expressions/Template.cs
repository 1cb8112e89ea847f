using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Nodes;
using Orleans.Workflow.Playbooks.Syntax;

namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>One part of a template: literal text, or an expression found at <see cref="Offset"/> of the template's text.</summary>
public sealed record TemplateSegment(string? Text, CompiledExpression? Expression, int Offset);

/// <summary>An error in a template; <see cref="Offset"/> is relative to the template's text.</summary>
public sealed record TemplateError(int Offset, string Message);

/// <summary>
/// A string that may hold <c>${{ expression }}</c>s. A string that is exactly one expression keeps the
/// expression's type; otherwise each expression is turned into text and spliced in. <c>$${{</c> is a literal <c>${{</c>.
/// </summary>
public sealed class Template
{
    private const string Open = "${{";
    private const string Close = "}}";

    private Template(string source, ImmutableArray<TemplateSegment> segments)
    {
        Source = source;
        Segments = segments;
    }

    public string Source { get; }

    public ImmutableArray<TemplateSegment> Segments { get; }

    /// <summary>Where the template's text starts in its file (1:1 when it was not read from one).</summary>
    public SourcePosition Position { get; private set; } = SourcePosition.Start;

    private YamlScalarStyle Style { get; set; } = YamlScalarStyle.Plain;

    /// <summary>Where character <paramref name="offset"/> of <see cref="Source"/> sits in the file.</summary>
    public SourcePosition PositionOf(int offset) => ScalarPositions.At(Position, Style, Source, offset);

    internal Template Anchor(SourcePosition position, YamlScalarStyle style)
    {
        Position = position;
        Style = style;
        return this;
    }

    /// <summary>True when the text holds no expression.</summary>
    public bool IsLiteral => Segments.All(s => s.Expression is null);

    /// <summary>The expression when the whole text is one expression (surrounding whitespace allowed), else null.</summary>
    public CompiledExpression? WholeExpression =>
        Segments.Length == 1 ? Segments[0].Expression : null;

    public IEnumerable<CompiledExpression> Expressions =>
        Segments.Where(s => s.Expression is not null).Select(s => s.Expression!);

    /// <summary>Literal text of a template with no expression.</summary>
    public string LiteralText => string.Concat(Segments.Select(s => s.Text));

    /// <summary>True when <paramref name="text"/> may hold an expression and so is worth parsing.</summary>
    public static bool MayContainExpression(string text) => text.Contains(Open, StringComparison.Ordinal);

    public static Template Parse(string text) =>
        TryParse(text, out var template, out var errors)
            ? template!
            : throw new ArgumentException(string.Join("; ", errors.Select(e => e.Message)), nameof(text));

    public static bool TryParse(string text, out Template? template, out IReadOnlyList<TemplateError> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        var segments = ImmutableArray.CreateBuilder<TemplateSegment>();
        var problems = new List<TemplateError>();
        var literal = new StringBuilder();
        var literalStart = 0;
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf(Open, position, StringComparison.Ordinal);
            if (open < 0)
            {
                literal.Append(text, position, text.Length - position);
                break;
            }

            if (open > 0 && text[open - 1] == '$')
            {
                // "$${{" is an escaped, literal "${{".
                literal.Append(text, position, open - 1 - position).Append(Open);
                position = open + Open.Length;
                continue;
            }

            literal.Append(text, position, open - position);
            var bodyStart = open + Open.Length;
            if (!TryFindExpression(text, bodyStart, out var close, out var expression, out var error))
            {
                problems.Add(error!);
                position = close < 0 ? text.Length : close + Close.Length;
                continue;
            }

            if (literal.Length > 0)
            {
                segments.Add(new TemplateSegment(literal.ToString(), null, literalStart));
                literal.Clear();
            }

            segments.Add(new TemplateSegment(null, expression, bodyStart));
            position = close + Close.Length;
            literalStart = position;
        }

        if (literal.Length > 0)
        {
            segments.Add(new TemplateSegment(literal.ToString(), null, literalStart));
        }

        errors = problems;
        template = problems.Count == 0 ? new Template(text, Whole(segments.ToImmutable())) : null;
        return template is not null;
    }

    /// <summary>Evaluates to a typed value when the text is one expression, else to text.</summary>
    public JsonNode? Evaluate(ExpressionEngine engine, ExpressionScope scope)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (WholeExpression is { } whole)
        {
            return engine.Evaluate(whole, scope);
        }

        return JsonValue.Create(EvaluateText(engine, scope));
    }

    /// <summary>Evaluates to text, whatever the expressions return.</summary>
    public string EvaluateText(ExpressionEngine engine, ExpressionScope scope)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (Segments.Length == 1 && Segments[0].Text is { } only)
        {
            return only;
        }

        var text = new StringBuilder();
        foreach (var segment in Segments)
        {
            text.Append(segment.Expression is { } expression
                ? JsConvert.ToText(engine.Evaluate(expression, scope))
                : segment.Text);
        }

        return text.ToString();
    }

    public override string ToString() => Source;

    // "  ${{ x }}  " is one expression: whitespace around a lone expression does not turn it into text.
    private static ImmutableArray<TemplateSegment> Whole(ImmutableArray<TemplateSegment> segments)
    {
        var expressions = segments.Where(s => s.Expression is not null).ToList();
        if (expressions.Count == 1 && segments.All(s => s.Expression is not null || string.IsNullOrWhiteSpace(s.Text)))
        {
            return [expressions[0]];
        }

        return segments;
    }

    // The body ends at the first "}}" after which the text parses as an expression,
    // so "${{ {a: {b: 1}} }}" finds its real end.
    private static bool TryFindExpression(string text, int bodyStart, out int close, out CompiledExpression? expression, out TemplateError? error)
    {
        expression = null;
        error = null;
        close = text.IndexOf(Close, bodyStart, StringComparison.Ordinal);
        if (close < 0)
        {
            error = new TemplateError(bodyStart - Open.Length, "'${{' has no closing '}}'");
            return false;
        }

        var firstClose = close;
        ExpressionSyntaxError? firstError = null;
        while (close >= 0)
        {
            var body = text[bodyStart..close];
            if (ExpressionCompiler.TryCompile(body, out expression, out var syntax))
            {
                return true;
            }

            firstError ??= syntax;
            close = text.IndexOf(Close, close + 1, StringComparison.Ordinal);
        }

        close = firstClose;
        error = new TemplateError(bodyStart + firstError!.Offset, firstError.Message);
        return false;
    }
}
