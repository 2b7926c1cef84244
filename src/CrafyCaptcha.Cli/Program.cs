namespace CrafyCaptcha.Cli;

/// <summary>
/// The entry point. Not top-level statements: with the ASP.NET Core shared framework (through the control panel's
/// package) those would get a generated <c>public partial class Program</c>, which clashes with the sample's in tests
/// that reference both.
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => CrafyCommand.RunAsync(args, Console.Out, Console.Error);
}
