using System.ComponentModel.DataAnnotations;
using CrafyCaptcha.AspNetCore;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CrafyCaptcha.Sample.Pages;

/// <summary>Razor Pages: the registration form, protected by an attribute on the page model.</summary>
[RequireCrafyCaptcha("register")]
public sealed class RegisterModel : PageModel
{
    [BindProperty]
    public RegisterInput Input { get; set; } = new();

    public bool Registered { get; private set; }

    public void OnGet()
    {
    }

    public IActionResult OnPost()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        Registered = true;
        return Page();
    }

    public sealed class RegisterInput
    {
        [Required]
        [Display(Name = "User name")]
        public string UserName { get; set; } = string.Empty;

        [Required]
        [EmailAddress]
        public string Email { get; set; } = string.Empty;
    }
}
