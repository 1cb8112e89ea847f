using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
using Jint.Native.Array;
using Jint.Native.Function;
using Jint.Native.Object;

namespace Orleans.Workflow.Playbooks.Expressions;

/// <summary>Converts between JSON data and JavaScript values: data in is frozen, values out must be data.</summary>
internal static class JsConvert
{
    private const double MaxSafeInteger = 9007199254740991;

    // The instants DateTimeOffset can hold: 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z.
    private const double MinIsoTime = -62135596800000;
    private const double MaxIsoTime = 253402300799999;

    public static JsValue ToJs(Engine engine, JsonNode? node, Func<JsValue, JsValue> freeze)
    {
        switch (node)
        {
            case null:
                return JsValue.Null;
            case JsonObject obj:
                var target = new JsObject(engine);
                foreach (var (key, value) in obj)
                {
                    target.FastSetDataProperty(key, ToJs(engine, value, freeze));
                }

                return freeze(target);
            case JsonArray array:
                var items = new JsValue[array.Count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = ToJs(engine, array[i], freeze);
                }

                return freeze(new JsArray(engine, items));
            case JsonValue value:
                return value.GetValueKind() switch
                {
                    JsonValueKind.String => new JsString(value.GetValue<string>()),
                    JsonValueKind.Number => JsNumber.Create(AsDouble(value)),
                    JsonValueKind.True => JsBoolean.True,
                    JsonValueKind.False => JsBoolean.False,
                    _ => JsValue.Null,
                };
            default:
                return JsValue.Null;
        }
    }

    /// <summary>The value as data; at most <paramref name="maxDepth"/> levels deep and <paramref name="maxValues"/> values in all.</summary>
    public static JsonNode? ToJson(JsValue value, int maxDepth, uint maxValues = uint.MaxValue)
    {
        var budget = (long)maxValues;
        return ToJson(value, maxDepth, 0, ref budget, maxValues);
    }

    private static JsonNode? ToJson(JsValue value, int maxDepth, int depth, ref long budget, uint maxValues)
    {
        if (depth > maxDepth)
        {
            throw new ExpressionException($"result is nested deeper than {maxDepth} levels (a cycle?)");
        }

        // Host-side work is not bounded by the sandbox's limits: a result too large to convert fails here, before it is built.
        if (--budget < 0)
        {
            throw new ExpressionException($"result holds more than {maxValues:N0} values");
        }

        switch (value.Type)
        {
            case Jint.Runtime.Types.Undefined:
            case Jint.Runtime.Types.Null:
            case Jint.Runtime.Types.Empty:
                return null;
            case Jint.Runtime.Types.Boolean:
                return JsonValue.Create(value.AsBoolean());
            case Jint.Runtime.Types.String:
                return JsonValue.Create(value.ToString());
            case Jint.Runtime.Types.Number:
                return Number(value.AsNumber());
            case Jint.Runtime.Types.BigInt:
                return JsonValue.Create(value.ToString());
            case Jint.Runtime.Types.Symbol:
                throw new ExpressionException("result is a Symbol, which is not data");
        }

        if (value is JsDate date)
        {
            var time = date.DateValue;
            if (double.IsNaN(time))
            {
                throw new ExpressionException("result is an invalid Date");
            }

            return time is < MinIsoTime or > MaxIsoTime
                ? throw new ExpressionException($"result is a Date outside the years 0001 to 9999 ({time.ToString(CultureInfo.InvariantCulture)} ms since 1970), which has no ISO 8601 text here")
                : JsonValue.Create(DateTimeOffset.FromUnixTimeMilliseconds((long)time).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        }

        if (value is Function)
        {
            throw new ExpressionException("result is a function, which is not data (did you forget to call it?)");
        }

        if (value is ArrayInstance or JsTypedArray)
        {
            var array = (ObjectInstance)value;
            var length = array.Get("length").AsNumber();
            if (length > budget)
            {
                throw new ExpressionException($"result holds more than {maxValues:N0} values (an array of {length.ToString(CultureInfo.InvariantCulture)} elements)");
            }

            var result = new JsonArray();
            for (uint i = 0; i < (uint)length; i++)
            {
                result.Add(ToJson(array.Get(i), maxDepth, depth + 1, ref budget, maxValues));
            }

            return result;
        }

        if (value is ObjectInstance obj)
        {
            var result = new JsonObject();
            foreach (var key in obj.GetOwnPropertyKeys(Jint.Runtime.Types.String))
            {
                var descriptor = obj.GetOwnProperty(key);
                if (descriptor.Enumerable)
                {
                    var item = obj.Get(key);
                    if (!item.IsUndefined() && item is not Function)
                    {
                        result[key.ToString()] = ToJson(item, maxDepth, depth + 1, ref budget, maxValues);
                    }
                }
            }

            return result;
        }

        return JsonValue.Create(value.ToString());
    }

    private static JsonValue Number(double number)
    {
        if (!double.IsFinite(number))
        {
            throw new ExpressionException($"result is {number.ToString(CultureInfo.InvariantCulture)}, which is not a finite number");
        }

        return Math.Abs(number) <= MaxSafeInteger && number == Math.Floor(number) && !(number == 0 && double.IsNegative(number))
            ? JsonValue.Create((long)number)
            : JsonValue.Create(number);
    }

    public static double AsDouble(JsonValue value)
    {
        if (value.TryGetValue<double>(out var d))
        {
            return d;
        }

        if (value.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (value.TryGetValue<int>(out var i))
        {
            return i;
        }

        return value.TryGetValue<decimal>(out var m)
            ? (double)m
            : double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>Text for splicing into a string: data as JSON, text as itself, null and undefined as nothing.</summary>
    public static string ToText(JsonNode? node) => node switch
    {
        null => string.Empty,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => node.ToJsonString(),
    };
}
