using Orleans.Workflow.Playbooks.Model;
using Orleans.Workflow.Playbooks.Syntax;

namespace Orleans.Workflow.Playbooks.Params;

/// <summary>Param type names as playbooks write them.</summary>
public static class ParamTypes
{
    public static readonly IReadOnlyList<string> All = ["string", "int", "number", "bool", "date", "datetime", "duration", "choice", "list", "object"];

    public static bool TryParse(string name, out ParamType type)
    {
        var index = All.ToList().IndexOf(name);
        type = (ParamType)Math.Max(index, 0);
        return index >= 0;
    }

    public static string Name(ParamType type) => All[(int)type];

    /// <summary>The type a param with a default but no <c>type</c> gets: the default's own.</summary>
    public static ParamType Infer(YamlNode defaultValue) => defaultValue switch
    {
        YamlSequence => ParamType.List,
        YamlMapping => ParamType.Object,
        YamlScalar scalar when YamlScalars.TryBool(scalar, out _) => ParamType.Bool,
        YamlScalar scalar when YamlScalars.TryInteger(scalar, out _) => ParamType.Int,
        YamlScalar scalar when YamlScalars.TryFloat(scalar, out _) => ParamType.Number,
        _ => ParamType.String,
    };
}
