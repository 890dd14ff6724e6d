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
