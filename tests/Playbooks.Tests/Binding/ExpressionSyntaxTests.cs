using static Orleans.Workflow.Playbooks.Tests.Validation.PlaybookText;

namespace Orleans.Workflow.Playbooks.Tests.Binding;

public class ExpressionSyntaxTests
{
    private static string WithValue(string value) => $"name: demo\ntasks:\n  a:\n    steps:\n      - uses: noop\n        with:\n          v: {value}\n";

    [Fact]
    public void Load_SyntaxErrorInQuotedScalar_PointsInsideTheExpression()
    {
        // column 27 is the '*' of `1 + * 2`
        SingleError(WithValue("\"pre ${{ 1 + * 2 }}\""), 7, 27, "expression syntax:", "Unexpected token '*'");
    }

    [Fact]
    public void Load_SyntaxErrorInPlainScalar_PointsInsideTheExpression()
    {
        SingleError(WithValue("prefix ${{ 1 + * 2 }} suffix"), 7, 29, "expression syntax:", "Unexpected token '*'");
    }

    [Fact]
    public void Load_SyntaxErrorInSingleQuotedScalar_PointsInsideTheExpression()
    {
        SingleError(WithValue("'${{ a b }}'"), 7, 21, "expression syntax:");
    }

    [Fact]
    public void Load_ExpressionEndingEarly_PointsAtItsEnd()
    {
        SingleError(WithValue("\"${{ params.x + }}\""), 7, 30, "expression syntax:", "Unexpected end of input");
    }

    [Fact]
    public void Load_SecondExpressionBroken_PointsAtTheSecond()
    {
        SingleError(WithValue("\"${{ 1 }} and ${{ ) }}\""), 7, 32, "expression syntax:", "Unexpected token ')'");
    }

    [Fact]
    public void Load_SyntaxErrorInLiteralBlock_PointsAtItsLineAndColumn()
    {
        var yaml = """
            name: demo
            tasks:
              a:
                steps:
                  - uses: shell
                    with:
                      run: |
                        echo one
                          echo ${{ 1 + * 2 }}
            """;
        SingleError(yaml, 9, 28, "expression syntax:", "Unexpected token '*'");
    }

    [Fact]
    public void Load_SyntaxErrorInStrippedLiteralBlockInList_PointsAtItsLineAndColumn()
    {
        var yaml = """
            name: demo
            tasks:
              a:
                steps:
                  - uses: shell
                    with:
                      command:
                        - python3
                        - |-

                          print(1)
                          ${{ ( }}
            """;
        SingleError(yaml, 12, 21, "expression syntax:", "Unexpected end of input");
    }

    [Fact]
    public void Load_EmptyExpression_ReportsEmpty()
    {
        SingleError(WithValue("\"${{ }}\""), 7, 18, "empty expression");
    }

    [Fact]
    public void Load_OpenWithoutClose_PointsAtTheOpening()
    {
        SingleError(WithValue("\"abc ${{ params.x\""), 7, 19, "'${{' has no closing '}}'");
    }

    [Fact]
    public void Load_OpenWithoutCloseInPlainScalar_PointsAtTheOpening()
    {
        SingleError(WithValue("abc ${{ params.x"), 7, 18, "'${{' has no closing '}}'");
    }

    [Fact]
    public void Load_BracesInsideExpression_FindTheRealEnd()
    {
        Valid(WithValue("\"${{ JSON.stringify({a: {b: 1}}) }}\""));
    }

    [Fact]
    public void Load_SyntaxErrorsInEveryPlace_ReportsEach()
    {
        var diagnostics = Errors(
            """
            name: demo
            params:
              d: { type: string, default: "${{ run.id + }}" }
            on:
              schedule:
                - cron: "0 2 * * *"
                  params: { d: "${{ ] }}" }
            tasks:
              a:
                if: "${{ 1 + }}"
                foreach: "${{ [ }}"
                steps:
                  - uses: noop
                    if: "${{ ( }}"
                    with: { v: "${{ * }}" }
                outputs:
                  o: "${{ } }}"
            outputs:
              r: "${{ ,, }}"
            """);
        Assert.Equal(8, diagnostics.Count);
        Assert.All(diagnostics, d => Assert.Contains("expression syntax", d.Message, StringComparison.Ordinal));
        Assert.Equal([3, 7, 10, 11, 14, 15, 17, 19], diagnostics.Select(d => d.Line));
    }

    [Fact]
    public void Load_DollarWithoutBraces_IsPlainText()
    {
        Valid(WithValue("\"costs $5 and {{ mustache }} and ${ shell }\""));
    }
}
