using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Jint;
using Jint.Constraints;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;

namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>
/// Evaluates compiled expressions in a sandbox: no CLR access, no string compilation (<c>eval</c>,
/// <c>Function</c>), frozen built-ins, and per-evaluation limits on time, memory and recursion.
/// Thread-safe: engines are pooled and each keeps the converted values of the last scope it saw.
/// </summary>
public sealed class ExpressionEngine
{
    // Objects of the built-ins that no global property leads to: the prototypes of iterators and generators.
    private const string HiddenIntrinsics = """
        [[][Symbol.iterator](), new Map().entries(), new Set().values(), ''[Symbol.iterator](), 'a'.matchAll(/a/g),
         (function* () {})(), (async function* () {})(), async () => {}]
        """;

    private static readonly string[] ScopeNames = [.. ExpressionScope.Names];

    private readonly ConcurrentBag<Sandbox> _pool = [];

    public ExpressionEngine(ExpressionLimits? limits = null)
    {
        Limits = limits ?? ExpressionLimits.Default;
    }

    /// <summary>An engine with the default limits, shared by everyone who has no reason to differ.</summary>
    public static ExpressionEngine Shared { get; } = new();

    public ExpressionLimits Limits { get; }

    /// <summary>Evaluates <paramref name="expression"/>; its result is data (JSON), never a host object.</summary>
    /// <exception cref="ExpressionException">The expression threw or hit a limit.</exception>
    public JsonNode? Evaluate(CompiledExpression expression, ExpressionScope scope)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(scope);
        Sandbox? sandbox = null;
        var reusable = true;
        try
        {
            sandbox = _pool.TryTake(out var pooled) ? pooled : new Sandbox(Limits);
            sandbox.Bind(scope);

            // The time limit covers the expression and the conversion of its result (getters run then), not
            // the sandbox's own setup: hardening a fresh engine on a cold process must not eat the budget.
            sandbox.Deadline.Begin(Limits.Timeout);
            try
            {
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                var result = sandbox.Engine.Evaluate(expression.Prepared);

                // Jint checks memory between statements, so one built-in call ('x'.repeat(2**27), a typed array)
                // can allocate far past the limit unseen; such an evaluation still fails, if only afterwards.
                if (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore > Limits.MemoryBytes)
                {
                    throw MemoryExceeded(expression, null);
                }

                return JsConvert.ToJson(result, Limits.MaxResultDepth, Limits.MaxArraySize);
            }
            finally
            {
                sandbox.Deadline.End();
            }
        }
        catch (JavaScriptException ex)
        {
            throw new ExpressionException($"expression '{expression.Source}' threw: {ex.Message}", ex);
        }
        catch (TimeoutException ex)
        {
            reusable = false;
            throw new ExpressionException($"expression '{expression.Source}' ran longer than {Limits.Timeout.TotalMilliseconds:0.###} ms (the time limit)", ex);
        }
        catch (MemoryLimitExceededException ex)
        {
            reusable = false;
            throw MemoryExceeded(expression, ex);
        }
        catch (RecursionDepthOverflowException ex)
        {
            reusable = false;
            throw new ExpressionException($"expression '{expression.Source}' recursed deeper than {Limits.RecursionDepth} calls (the recursion limit)", ex);
        }
        catch (JintException ex)
        {
            reusable = false;
            throw new ExpressionException($"expression '{expression.Source}' failed: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            reusable = false;
            throw new ExpressionException($"expression '{expression.Source}' failed: {ex.Message}", ex);
        }
        finally
        {
            if (reusable && sandbox is not null)
            {
                _pool.Add(sandbox);
            }
        }
    }

    private ExpressionException MemoryExceeded(CompiledExpression expression, Exception? inner)
    {
        var message = $"expression '{expression.Source}' used more than {DescribeBytes(Limits.MemoryBytes)} (the memory limit)";
        return inner is null ? new ExpressionException(message) : new ExpressionException(message, inner);
    }

    private static string DescribeBytes(long bytes) =>
        bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0
            ? $"{bytes / (1024 * 1024)} MiB"
            : bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " bytes";

    /// <summary>One hardened Jint engine and the scope it last bound.</summary>
    private sealed class Sandbox
    {
        private readonly JsValue _freeze;
        private ExpressionScope? _bound;

        public Sandbox(ExpressionLimits limits)
        {
            Deadline = new OperationDeadlineConstraint();
            Engine = new Engine(options => options
                .Strict()
                .DisableStringCompilation()
                .LimitRecursion(limits.RecursionDepth)
                .Constraint(Deadline)
                .LimitMemory(limits.MemoryBytes)
                .MaxArraySize(limits.MaxArraySize)
                .RegexTimeoutInterval(limits.Timeout)
                .MaxJsonParseDepth(limits.MaxResultDepth));
            _freeze = Engine.Evaluate("Object.freeze");
            Harden();
            foreach (var name in ScopeNames)
            {
                Engine.Global.FastSetProperty(name, new PropertyDescriptor(JsValue.Undefined, PropertyFlag.Enumerable));
            }

            Engine.Execute("Object.freeze(globalThis)");
        }

        public Engine Engine { get; }

        /// <summary>
        /// Freezes everything reachable from the built-ins: each object and function, its prototype, every own
        /// property value and accessor, so no evaluation can leave anything behind for the next one on a pooled
        /// engine. Walked from here rather than in script, so it runs no statements and charges nothing to the
        /// limits the expressions run under; descriptors are read, getters never called.
        /// </summary>
        private void Harden()
        {
            var seen = new HashSet<ObjectInstance>(ReferenceEqualityComparer.Instance);
            var pending = new Stack<ObjectInstance>();
            foreach (var (key, descriptor) in Engine.Global.GetOwnProperties())
            {
                if (!key.IsString() || key.ToString() != "globalThis")
                {
                    Visit(descriptor);
                }
            }

            Visit(Engine.Global.Prototype);
            var hidden = (ObjectInstance)Engine.Evaluate(HiddenIntrinsics);
            foreach (var (key, descriptor) in hidden.GetOwnProperties())
            {
                if (key.IsString() && key.ToString() != "length")
                {
                    Visit(descriptor.Value);
                }
            }

            while (pending.TryPop(out var target))
            {
                Freeze(target);
                Visit(target.Prototype);
                foreach (var (_, descriptor) in target.GetOwnProperties())
                {
                    Visit(descriptor);
                }
            }

            void Visit(object? value)
            {
                switch (value)
                {
                    case PropertyDescriptor descriptor:
                        if (descriptor.IsAccessorDescriptor())
                        {
                            Visit(descriptor.Get);
                            Visit(descriptor.Set);
                        }
                        else
                        {
                            Visit(descriptor.Value);
                        }

                        break;
                    case ObjectInstance target when seen.Add(target):
                        pending.Push(target);
                        break;
                }
            }
        }

        /// <summary>The time limit, armed only while an expression runs.</summary>
        public OperationDeadlineConstraint Deadline { get; }

        public void Bind(ExpressionScope scope)
        {
            if (ReferenceEquals(scope, _bound))
            {
                return;
            }

            _bound = null;
            Set("params", Convert(scope.Params));
            Set("run", Convert(scope.Run));
            Set("tasks", Convert(scope.Tasks));
            Set("steps", Convert(scope.Steps));
            Set("item", scope.Item is null && scope.Index is null ? JsValue.Undefined : Convert(scope.Item));
            Set("index", scope.Index is { } index ? JsNumber.Create(index) : JsValue.Undefined);
            Set("secrets", scope.Secrets is null ? JsValue.Undefined : Secrets(scope.Secrets));
            _bound = scope;
        }

        private JsValue Convert(JsonNode? node) => node is null ? JsValue.Undefined : JsConvert.ToJs(Engine, node, Freeze);

        private JsValue Secrets(IReadOnlyDictionary<string, string> secrets)
        {
            var target = new JsObject(Engine);
            foreach (var (key, value) in secrets)
            {
                target.FastSetDataProperty(key, new JsString(value));
            }

            return Freeze(target);
        }

        private JsValue Freeze(JsValue value) => Engine.Call(_freeze, value);

        private void Set(string name, JsValue value) =>
            Engine.Global.FastSetProperty(name, new PropertyDescriptor(value, PropertyFlag.Enumerable));
    }
}
