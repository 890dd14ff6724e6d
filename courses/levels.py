"""What each of the 8 proficiency levels means, said as "I can…" for a beginner positioning
themselves. Drawn from DigComp 2.2's proficiency levels (complexity of the tasks, autonomy,
cognitive domain: JRC, 2022, table "Proficiency levels"), in plain words; Pix's 8 levels follow
the same scale (CRCN, itself derived from DigComp)."""

from django.utils.translation import gettext_lazy as _

I_CAN = {
    1: _("I can do simple tasks with someone's help."),
    2: _("I can do simple tasks on my own, and ask for help when I need it."),
    3: _("I can do everyday tasks on my own and solve simple problems."),
    4: _("I can do varied tasks on my own, as I need them, and solve clear problems I had "
         "not met before."),
    5: _("I can do varied tasks, solve varied problems and show others how to do them."),
    6: _("I can choose the best way to do things in complex situations and adapt it to "
         "others."),
    7: _("I can solve complex problems that have few solutions and help improve how "
         "professionals work."),
    8: _("I can solve complex problems with many factors and bring new ideas to my field."),
}
