using System.Collections.Immutable;
using Acornima;
using Acornima.Ast;
using Jint;

namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>A syntax error in an expression; <see cref="Offset"/> is relative to the expression's source.</summary>
public sealed record ExpressionSyntaxError(int Offset, string Message);

/// <summary>Parses expressions once into <see cref="CompiledExpression"/>s and finds the names they read.</summary>
public static class ExpressionCompiler
{
    private static readonly ParserOptions ExpressionParserOptions = new() { EcmaVersion = EcmaVersion.Latest };

    // A parser keeps state while it parses and is not thread-safe: one per thread.
    [ThreadStatic]
    private static Parser? t_expressionParser;

    /// <summary>Most compiled expressions kept for reuse; past it the cache starts afresh.</summary>
    public const int CacheCapacity = 8192;

    // Compiled expressions are immutable and engine-independent: the same source (common across the tasks
    // of a playbook and across its versions) is parsed and prepared once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CompiledExpression> Cache = new(StringComparer.Ordinal);

    private static Parser ExpressionParser => t_expressionParser ??= new Parser(ExpressionParserOptions);

    public static bool TryCompile(string source, out CompiledExpression? expression, out ExpressionSyntaxError? error)
    {
        ArgumentNullException.ThrowIfNull(source);
        error = null;
        if (Cache.TryGetValue(source, out expression))
        {
            return true;
        }

        if (!TryCompileUncached(source, out expression, out error))
        {
            return false;
        }

        if (Cache.Count >= CacheCapacity)
        {
            Cache.Clear();
        }

        Cache.TryAdd(source, expression!);
        return true;
    }

    private static bool TryCompileUncached(string source, out CompiledExpression? expression, out ExpressionSyntaxError? error)
    {
        expression = null;
        error = null;
        if (string.IsNullOrWhiteSpace(source))
        {
            error = new ExpressionSyntaxError(0, "empty expression");
            return false;
        }

        Expression ast;
        try
        {
            ast = ExpressionParser.ParseExpression(source);
        }
        catch (ParseErrorException ex)
        {
            var offset = ex.Error.IsIndexDefined ? Math.Clamp(ex.Error.Index, 0, source.Length) : 0;
            error = new ExpressionSyntaxError(offset, "expression syntax: " + ex.Error.Description);
            return false;
        }

        Prepared<Script> prepared;
        try
        {
            // Parsed above as one whole expression, so wrapping it in parentheses cannot change its meaning;
            // it keeps `{...}` an object literal rather than a block.
            prepared = Engine.PrepareScript("(" + source + "\n)", source: "expression", strict: true);
        }
        catch (ScriptPreparationException ex)
        {
            error = new ExpressionSyntaxError(0, "expression syntax: " + ex.Message);
            return false;
        }

        expression = new CompiledExpression(source, prepared, ReferenceCollector.Collect(ast));
        return true;
    }

    public static CompiledExpression Compile(string source) =>
        TryCompile(source, out var expression, out var error)
            ? expression!
            : throw new ArgumentException(error!.Message, nameof(source));

    /// <summary>Walks an expression's tree for the free names it reads and their static member paths.</summary>
    private sealed class ReferenceCollector
    {
        private readonly HashSet<string> _locals = new(StringComparer.Ordinal);
        private readonly List<ExpressionReference> _references = [];

        public static ImmutableArray<ExpressionReference> Collect(Node root)
        {
            var collector = new ReferenceCollector();
            collector.CollectBindings(root);
            collector.Walk(root);
            return [.. collector._references];
        }

        // Names bound inside the expression (arrow parameters, declarations) are not scope reads.
        // Scoping is approximated: a name bound anywhere in the expression is local everywhere in it.
        private void CollectBindings(Node node)
        {
            switch (node)
            {
                case IFunction function:
                    if (function.Id is { } id)
                    {
                        _locals.Add(id.Name);
                    }

                    foreach (var parameter in function.Params)
                    {
                        CollectPatternNames(parameter);
                    }

                    break;
                case VariableDeclarator declarator:
                    CollectPatternNames(declarator.Id);
                    break;
                case CatchClause { Param: { } param }:
                    CollectPatternNames(param);
                    break;
                case ClassDeclaration { Id: { } classId }:
                    _locals.Add(classId.Name);
                    break;
                case ClassExpression { Id: { } classExpressionId }:
                    _locals.Add(classExpressionId.Name);
                    break;
            }

            foreach (var child in node.ChildNodes)
            {
                CollectBindings(child);
            }
        }

        private void CollectPatternNames(Node pattern)
        {
            switch (pattern)
            {
                case Identifier identifier:
                    _locals.Add(identifier.Name);
                    return;
                case Property { Computed: false } property:
                    CollectPatternNames(property.Value);
                    return;
                case AssignmentPattern assignment:
                    CollectPatternNames(assignment.Left);
                    return;
            }

            foreach (var child in pattern.ChildNodes)
            {
                CollectPatternNames(child);
            }
        }

        private void Walk(Node node)
        {
            switch (node)
            {
                case MemberExpression member:
                    WalkMember(member);
                    return;
                case Identifier identifier:
                    AddReference(identifier, []);
                    return;
                case Property property:
                    if (property.Computed)
                    {
                        Walk(property.Key);
                    }

                    Walk(property.Value);
                    return;
                case MethodDefinition method:
                    if (method.Computed)
                    {
                        Walk(method.Key);
                    }

                    Walk(method.Value);
                    return;
                case PropertyDefinition definition:
                    if (definition.Computed)
                    {
                        Walk(definition.Key);
                    }

                    if (definition.Value is { } value)
                    {
                        Walk(value);
                    }

                    return;
                case LabeledStatement labeled:
                    Walk(labeled.Body);
                    return;
                case BreakStatement or ContinueStatement:
                    return;
            }

            foreach (var child in node.ChildNodes)
            {
                Walk(child);
            }
        }

        private void WalkMember(MemberExpression member)
        {
            // Flatten a.b['c'].d into its root and the static segments, outermost last.
            var chain = new List<MemberExpression>();
            Node current = member;
            while (current is MemberExpression link)
            {
                chain.Add(link);
                current = link.Object;
            }

            chain.Reverse();
            if (current is Identifier root)
            {
                var path = ImmutableArray.CreateBuilder<string>();
                foreach (var link in chain)
                {
                    var segment = StaticSegment(link);
                    if (segment is null)
                    {
                        break;
                    }

                    path.Add(segment);
                }

                AddReference(root, path.ToImmutable());
            }
            else
            {
                Walk(current);
            }

            foreach (var link in chain)
            {
                if (link.Computed)
                {
                    Walk(link.Property);
                }
            }
        }

        private static string? StaticSegment(MemberExpression link) => link switch
        {
            { Computed: false, Property: Identifier name } => name.Name,
            { Computed: true, Property: StringLiteral text } => text.Value,
            { Computed: true, Property: NumericLiteral number } => number.Raw,
            _ => null,
        };

        private void AddReference(Identifier identifier, ImmutableArray<string> path)
        {
            if (!_locals.Contains(identifier.Name))
            {
                _references.Add(new ExpressionReference(identifier.Name, path, identifier.Start));
            }
        }
    }
}
