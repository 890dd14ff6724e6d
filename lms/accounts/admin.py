from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_learner", "is_trainer",
                    "is_insertion_staff", "is_manager"]
    list_filter = ["is_learner", "is_trainer", "is_insertion_staff", "is_manager", "is_active"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Roles"), {"fields": ["is_learner", "is_trainer", "is_insertion_staff", "is_manager"]}),
        (_("Contact"), {"fields": ["phone", "birth_date"]}),
    ]

    def user_change_password(self, request, id, form_url=""):
        """A password set here is the person's own choice only on their own account."""
        from .admin_passwords import stamp_if_own

        before = User.objects.filter(pk=id).values_list("password", flat=True).first()
        response = super().user_change_password(request, id, form_url)
        user = User.objects.filter(pk=id).first()
        if request.method == "POST" and user is not None:
            stamp_if_own(request=request, user=user,
                         password_changed=user.password != before and user.has_usable_password())
        return response
