using System.Security.Cryptography;
using System.Text;
using CrafyCaptcha.Server.Credentials;

namespace CrafyCaptcha.Server.Pow;

/// <summary>Checks a proof-of-work answer statelessly: the HMAC over the challenge, the flow and expiry in the salt, the hash.</summary>
internal static class PowVerifier
{
    /// <summary>The public key the salt names: which credential must have signed the challenge.</summary>
    public static string? PublicKeyOf(PowSolution solution)
        => solution.Salt is { } salt ? PowChallenge.SaltParameter(salt, "pk") : null;

    /// <summary>
    /// <see langword="null"/> when <paramref name="solution"/> answers a challenge that <paramref name="credential"/>
    /// signed for <paramref name="flowToken"/> and that has not expired at <paramref name="now"/>; otherwise the error
    /// code (<c>pow_invalid</c>, <c>pow_other_flow</c>, <c>pow_expired</c>, <c>pow_wrong_answer</c>).
    /// </summary>
    public static ChallengeRefusal? Check(ServedCredential? credential, PowSolution solution, string flowToken, DateTimeOffset now)
    {
        if (credential is null
            || solution is not { Challenge: { } challenge, Salt: { } salt, Signature: { } signature }
            || solution.Algorithm != PowChallenge.Sha256
            || !FixedTimeEquals(PowChallenge.Sign(credential.PowKey, challenge), signature))
        {
            return ChallengeRefusal.PowInvalid;
        }

        if (PowChallenge.SaltParameter(salt, "flow") != flowToken)
        {
            return ChallengeRefusal.PowOtherFlow;
        }

        if (!long.TryParse(PowChallenge.SaltParameter(salt, "expires"), out long expires) || now.ToUnixTimeSeconds() > expires)
        {
            return ChallengeRefusal.PowExpired;
        }

        if (solution.Number < 0 || PowChallenge.Hash(salt, solution.Number) != challenge)
        {
            return ChallengeRefusal.PowWrongAnswer;
        }

        return null;
    }

    /// <summary>
    /// <see cref="Check"/> for every part of a split proof-of-work: <paramref name="first"/> names (in its salt's
    /// <c>parts=</c>) how many parts were issued, and <paramref name="others"/> must answer exactly the rest, each a
    /// different challenge signed for the same flow; otherwise <c>pow_incomplete</c> or the part's own error.
    /// </summary>
    public static ChallengeRefusal? CheckAll(ServedCredential? credential, PowSolution first, IReadOnlyList<PowSolution>? others, string flowToken, DateTimeOffset now)
    {
        if (Check(credential, first, flowToken, now) is { } error)
        {
            return error;
        }

        string? declared = PowChallenge.SaltParameter(first.Salt!, "parts");
        int expected = declared is null ? 1 : int.TryParse(declared, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 1 ? n : 0;
        others ??= [];
        if (expected == 0 || others.Count != expected - 1)
        {
            return ChallengeRefusal.PowIncomplete;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal) { first.Challenge! };
        foreach (PowSolution part in others)
        {
            if (part is null)
            {
                return ChallengeRefusal.PowIncomplete;
            }

            if (Check(credential, part, flowToken, now) is { } partError)
            {
                return partError;
            }

            if (PowChallenge.SaltParameter(part.Salt!, "parts") != declared || !seen.Add(part.Challenge!))
            {
                return ChallengeRefusal.PowIncomplete;
            }
        }

        return null;
    }

    internal static bool FixedTimeEquals(string a, string b)
        => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
