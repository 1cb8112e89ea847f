using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orleans.Workflow.Cli;

/// <summary>How owf prints JSON: indented, with quotes and '+' left readable.</summary>
public static class CliJson
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
