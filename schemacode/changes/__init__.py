"""Typed schema changes, one module per object kind. Each renders its own SQL."""
from .base import Change, Hazard, HazardKind, Phase, Stage, Statement
from .casts import CreateCast, DropCast
from .comments import SetComment
from .constraints import AddConstraint, AddKeyOnly, AttachKeyCopy, DropConstraint, ValidateConstraint
from .functions import CreateAggregate, CreateFunction, DropAggregate, DropFunction
from .indexes import AttachIndexCopy, CreateIndex, CreateIndexOnly, DropIndex
from .foreign import (
    AlterForeignTable, AlterServer, AlterWrapper, CreateForeignTable, CreateServer, CreateWrapper, DropForeignTable,
    DropServer, DropWrapper,
)
from .privileges import SetDefaultPrivileges, SetPrivileges
from .rules import CreateRule, DropRule, EnableRule
from .policies import AlterPolicy, CreatePolicy, DropPolicy, SetRowSecurity
from .schemas import AlterExtension, CreateExtension, CreateSchema, DropExtension, DropSchema
from .tables import (
    AddColumn, AlterColumn, AlterInherit, AlterTableStorage, SetColumnOptions, AttachPartition, DropDefaultEarly, NameAttached, NameNotNull, CreateTable, SetReplicaIdentity, DropColumn, DropTable, RenameColumn, RenameConstraint,
    RenameIndex, RenameSequence, RenameTable,
)
from .triggers import CreateTrigger, DropTrigger, EnableTrigger
from .types import (
    AlterDomain, CreateDomain, DropDomain, AddEnumValue, AlterSequence, CreateEnum, CreateSequence, DropEnum, DropSequence, EnumUsage,
    RebuildEnum, RenameEnumValue, SetSequenceOwner, AlterCompositeType, CreateType, DropType,
)
from .views import AlterViewOptions, CreateView, DropView

__all__ = [
    "Change", "Hazard", "HazardKind", "Phase", "Stage", "Statement", "SetComment", "AddConstraint",
    "DropConstraint", "ValidateConstraint", "CreateFunction", "DropFunction", "CreateIndex", "DropIndex",
    "AlterExtension", "CreateExtension", "CreateSchema", "DropExtension", "DropSchema",
    "AddColumn", "AlterColumn", "CreateTable", "DropColumn", "DropTable", "RenameColumn",
    "RenameTable", "RenameConstraint", "RenameSequence", "RenameIndex", "CreateTrigger", "DropTrigger", "EnableTrigger", "AddEnumValue",
    "AlterSequence", "CreateEnum", "CreateSequence", "DropEnum", "DropSequence", "EnumUsage",
    "RebuildEnum", "RenameEnumValue", "CreateView", "DropView", "AlterDomain", "CreateDomain",
    "DropDomain", "SetSequenceOwner", "AlterTableStorage", "SetReplicaIdentity", "AlterViewOptions",
    "CreatePolicy", "DropPolicy", "AlterPolicy", "SetRowSecurity", "AttachPartition", "AlterInherit", "SetPrivileges", "AlterCompositeType", "CreateType", "DropType", "CreateAggregate", "DropAggregate", "NameAttached", "NameNotNull", "AttachKeyCopy", "AddKeyOnly", "SetDefaultPrivileges", "DropDefaultEarly",
    "AttachIndexCopy", "CreateIndexOnly", "SetColumnOptions", "CreateCast", "DropCast", "CreateRule", "DropRule", "EnableRule",
    "CreateServer", "DropServer", "AlterServer", "CreateForeignTable", "DropForeignTable", "AlterForeignTable",
    "CreateWrapper", "DropWrapper", "AlterWrapper",
]
