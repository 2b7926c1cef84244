using System.ComponentModel.DataAnnotations;

namespace CrafyCaptcha.Sample.Models;

public sealed class LoginModel
{
    [Required]
    [EmailAddress]
    public string Email { get; set; } = string.Empty;

    [Required]
    [DataType(DataType.Password)]
    public string Password { get; set; } = string.Empty;
}

public sealed record CommentInput(string? Author, string? Text);

public sealed record Comment(string Author, string Text, DateTimeOffset PostedAt);

public sealed record NewsletterSignup([Required, EmailAddress] string Email);
