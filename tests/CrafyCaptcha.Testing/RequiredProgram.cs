namespace CrafyCaptcha.Testing;

/// <summary>
/// A program from the machine that tests need (Debian's chromium, redis-server). A missing one fails the fixture at once
/// with one line naming the install command, never a stack trace from <c>Process.Start</c>.
/// </summary>
public static class RequiredProgram
{
    /// <summary>The full path of <paramref name="name"/> on PATH (or <paramref name="knownPath"/>), else a one-line failure.</summary>
    public static string Find(string name, string debianPackage, string? knownPath = null)
    {
        if (knownPath is not null && File.Exists(knownPath))
        {
            return knownPath;
        }

        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new MissingProgramException(
            $"{name} is not installed: run `sudo apt-get install -y {debianPackage}` (Debian/Ubuntu), or `./test.sh`, which installs what the tests need and runs them.");
    }
}

/// <summary>A program the tests need is missing from the machine; the message says how to install it.</summary>
public sealed class MissingProgramException(string message) : Exception(message)
{
    public override string? StackTrace => null; // the message says everything
}
