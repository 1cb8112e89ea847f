using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
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
    private const string HardenScript = """
        (() => {
          const seen = new Set();
          const freeze = (v) => {
            if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) return;
            seen.add(v);
            Object.freeze(v);
            if (typeof v === 'function' && v.prototype) freeze(v.prototype);
            freeze(Object.getPrototypeOf(v));
          };
          for (const name of Object.getOwnPropertyNames(globalThis)) {
            if (name !== 'globalThis') freeze(globalThis[name]);
          }
          freeze([][Symbol.iterator]());
          freeze(new Map().entries());
          freeze(new Set().values());
          freeze(''[Symbol.iterator]());
          freeze((function* () {})());
          freeze(Object.getPrototypeOf(async () => {}));
        })()
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
        var sandbox = _pool.TryTake(out var pooled) ? pooled : new Sandbox(Limits);
        var reusable = true;
        try
        {
            sandbox.Bind(scope);
            var result = sandbox.Engine.Evaluate(expression.Prepared);
            return JsConvert.ToJson(result, Limits.MaxResultDepth);
        }
        catch (JavaScriptException ex)
        {
            throw new ExpressionException($"expression '{expression.Source}' threw: {ex.Message}", ex);
        }
        catch (TimeoutException ex)
        {
            reusable = false;
            throw new ExpressionException($"expression '{expression.Source}' ran longer than {Limits.Timeout.TotalMilliseconds:0} ms", ex);
        }
        catch (MemoryLimitExceededException ex)
        {
            reusable = false;
            throw new ExpressionException($"expression '{expression.Source}' used more than {Limits.MemoryBytes / (1024 * 1024)} MiB", ex);
        }
        catch (RecursionDepthOverflowException ex)
        {
            reusable = false;
            throw new ExpressionException($"expression '{expression.Source}' recursed deeper than {Limits.RecursionDepth} calls", ex);
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
            if (reusable)
            {
                _pool.Add(sandbox);
            }
        }
    }

    /// <summary>One hardened Jint engine and the scope it last bound.</summary>
    private sealed class Sandbox
    {
        private readonly JsValue _freeze;
        private ExpressionScope? _bound;

        public Sandbox(ExpressionLimits limits)
        {
            Engine = new Engine(options => options
                .Strict()
                .DisableStringCompilation()
                .LimitRecursion(limits.RecursionDepth)
                .TimeoutInterval(limits.Timeout)
                .LimitMemory(limits.MemoryBytes)
                .MaxArraySize(limits.MaxArraySize)
                .RegexTimeoutInterval(limits.Timeout)
                .MaxJsonParseDepth(limits.MaxResultDepth));
            Engine.Execute(HardenScript);
            _freeze = Engine.Evaluate("Object.freeze");
            foreach (var name in ScopeNames)
            {
                Engine.Global.FastSetProperty(name, new PropertyDescriptor(JsValue.Undefined, PropertyFlag.Enumerable));
            }

            Engine.Execute("Object.preventExtensions(globalThis)");
        }

        public Engine Engine { get; }

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
