using System.Security.Cryptography;
using System.Text;
using CrafyCaptcha.Server.Credentials;

namespace CrafyCaptcha.Server.Pow;

/// <summary>Checks a proof-of-work answer statelessly: the HMAC over the challenge, the flow and expiry in the salt, the hash.</summary>
internal static class PowVerifier
{
    /// <summary>The public key the challenge names: which credential must have signed it.</summary>
    public static string? PublicKeyOf(PowSolution solution) => PowTerms.Of(solution)?.PublicKey;

    /// <summary>
    /// <see langword="null"/> when <paramref name="solution"/> answers a challenge that <paramref name="credential"/>
    /// signed for <paramref name="flowToken"/> and that has not expired at <paramref name="now"/>; otherwise the error
    /// code (<c>pow_invalid</c>, <c>pow_other_flow</c>, <c>pow_expired</c>, <c>pow_wrong_answer</c>). SHA-256: one hash
    /// of the salt and the number. Argon2id: the key sent must have the signed prefix and the signed HMAC (no derivation).
    /// </summary>
    public static ChallengeRefusal? Check(ServedCredential? credential, PowSolution solution, string flowToken, DateTimeOffset now)
    {
        if (credential is null)
        {
            return ChallengeRefusal.PowInvalid;
        }

        using IncrementalHash hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, credential.PowKey);
        return Check(credential, hmac, solution, PowTerms.Of(solution), flowToken, now);
    }

    private static ChallengeRefusal? Check(ServedCredential credential, IncrementalHash hmac, PowSolution solution, PowTerms? terms, string flowToken, DateTimeOffset now)
    {
        if (terms is null
            || solution is not { Challenge: { } challenge, Signature: { } signature }
            || !PowChallenge.IsSignedBy(hmac, challenge, signature))
        {
            return ChallengeRefusal.PowInvalid;
        }

        if (terms.Flow != flowToken)
        {
            return ChallengeRefusal.PowOtherFlow;
        }

        if (terms.Expires is not { } expires || now.ToUnixTimeSeconds() > expires)
        {
            return ChallengeRefusal.PowExpired;
        }

        bool right = solution.Number >= 0 && (terms.Algorithm == PowChallenge.Sha256
            ? PowChallenge.Answers(solution.Salt!, solution.Number, challenge)
            : KeyMatches(credential, terms, solution.DerivedKey));
        return right ? null : ChallengeRefusal.PowWrongAnswer;
    }

    private static bool KeyMatches(ServedCredential credential, PowTerms terms, string? derivedKey)
    {
        if (derivedKey is not { Length: Argon2idPow.KeyLength * 2 } || terms is not { KeyPrefix: { } prefix, KeySignature: { } keySignature }
            || !derivedKey.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        byte[] key;
        try
        {
            key = Convert.FromHexString(derivedKey);
        }
        catch (FormatException)
        {
            return false;
        }

        return FixedTimeEquals(Argon2idPow.KeySignature(credential.PowKey, key), keySignature);
    }

    /// <summary>
    /// <see cref="Check(ServedCredential?, PowSolution, string, DateTimeOffset)"/> for every part of a split proof-of-work: <paramref name="first"/> names (in its salt's
    /// <c>parts=</c>, or its v2 <c>data.parts</c>) how many parts were issued, and <paramref name="others"/> must answer
    /// exactly the rest, each a different challenge of the same algorithm signed for the same flow; otherwise
    /// <c>pow_incomplete</c> or the part's own error.
    /// </summary>
    public static ChallengeRefusal? CheckAll(ServedCredential? credential, PowSolution first, IReadOnlyList<PowSolution>? others, string flowToken, DateTimeOffset now)
    {
        if (credential is null)
        {
            return ChallengeRefusal.PowInvalid;
        }

        // One HMAC keyed once for every part of the flow.
        using IncrementalHash hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, credential.PowKey);
        PowTerms? terms = PowTerms.Of(first);
        if (Check(credential, hmac, first, terms, flowToken, now) is { } error)
        {
            return error;
        }

        string? declared = terms!.Parts;
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

            PowTerms? partTerms = PowTerms.Of(part);
            if (Check(credential, hmac, part, partTerms, flowToken, now) is { } partError)
            {
                return partError;
            }

            if (partTerms!.Algorithm != terms.Algorithm || partTerms.Parts != declared || !seen.Add(part.Challenge!))
            {
                return ChallengeRefusal.PowIncomplete;
            }
        }

        return null;
    }

    internal static bool FixedTimeEquals(string a, string b)
        => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
