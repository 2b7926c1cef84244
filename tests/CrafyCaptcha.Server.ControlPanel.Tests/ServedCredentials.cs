using CrafyCaptcha.Server.Credentials;

namespace CrafyCaptcha.Server.ControlPanel.Tests;

/// <summary>A stored credential as the engine serves it (its keys derived), for assertions on what the engine sees.</summary>
internal static class ServedCredentials
{
    public static ServedCredential? Of(ChallengeCredential? credential) => credential is null ? null : new ServedCredential(credential);
}
