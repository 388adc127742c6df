"""Shared page plumbing: the process's store, the signed-in actor, the workspace, zh-CN/English text.

Holds no business rules: every decision is an engine call; this only reads session state and renders.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from engine import workspaces
from engine.auth import Actor
from engine.errors import ConflictError, EngineError, Problem, RefusedError
from engine.forms import can, label_of
from engine.jobs import ensure_scheduler
from engine.roles import ROLE_LABELS, ROLES
from engine.schema import Table, Workspace
from engine.storage.store import Store, shared_store
from hub.bootstrap import ensure_ready

TEXT: dict[str, tuple[str, str]] = {
    "app": ("订单中枢 OrderHub", "OrderHub"),
    "login": ("登录", "Sign in"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "logout": ("退出登录", "Sign out"),
    "language": ("语言", "Language"),
    "workspace": ("工作区", "Workspace"),
    "home": ("首页", "Home"),
    "designer": ("表单设计", "Table designer"),
    "records": ("数据表", "Records"),
    "form": ("录入", "Form entry"),
    "table": ("数据表", "Table"),
    "rows": ("行数", "Rows"),
    "fields": ("字段数", "Fields"),
    "version": ("版本", "Version"),
    "flow": ("状态流", "Status flow"),
    "create_ws": ("从模板创建工作区", "Create a workspace from a template"),
    "template": ("模板", "Template"),
    "ws_name": ("工作区标识(小写英文)", "Workspace name (lowercase)"),
    "ws_label": ("工作区名称", "Workspace label"),
    "sample_orders": ("生成示例订单数", "Sample orders to generate"),
    "create": ("创建", "Create"),
    "created": ("已创建", "Created"),
    "users": ("用户管理", "Users"),
    "display_name": ("显示名称", "Display name"),
    "user_state": ("状态", "State"),
    "user_active": ("启用", "Active"),
    "user_inactive": ("已停用", "Deactivated"),
    "username_help": (
        "2–64 个字母、数字或 _ . @ -，用于登录",
        "2–64 letters, digits or _ . @ -, used to sign in",
    ),
    "password_help": ("至少 8 个字符", "At least 8 characters"),
    "user_added": ("已添加用户 {user}", "User {user} added"),
    "edit_user": ("修改用户", "Change a user"),
    "save_roles": ("保存角色", "Save roles"),
    "roles_saved": ("已保存 {user} 的角色", "Roles of {user} saved"),
    "new_password": ("新密码", "New password"),
    "reset_password": ("重置密码", "Reset password"),
    "password_reset": (
        "已重置 {user} 的密码，其已登录的浏览器需重新登录",
        "Password of {user} reset; their browsers must sign in again",
    ),
    "deactivate": ("停用此用户", "Deactivate this user"),
    "activate": ("重新启用此用户", "Activate this user again"),
    "deactivate_help": (
        "停用后不能再登录，已登录的浏览器立即退出；记录和审计中的名字保留。",
        "A deactivated user can no longer sign in and is signed out everywhere; their name stays in records and the audit.",
    ),
    "user_deactivated": ("已停用 {user}", "{user} deactivated"),
    "user_activated": ("已重新启用 {user}", "{user} activated again"),
    "user_unknown_roles": ("未知角色: {roles}", "Unknown role(s): {roles}"),
    "user_no_role": ("请至少选择一个角色", "Choose at least one role"),
    "password_short": ("密码太短：至少 {n} 个字符", "Password too short: at least {n} characters"),
    "username_bad": (
        "用户名 “{user}” 不可用：2–64 个字母、数字或 _ . @ -",
        "Username “{user}” is not valid: 2–64 letters, digits or _ . @ -",
    ),
    "user_exists": ("用户 {user} 已存在", "User {user} already exists"),
    "login_wrong": ("用户名或密码错误", "Wrong username or password"),
    "move_asks": ("请填写后确认", "fill in, then confirm"),
    "moved_to": ("{record} 已{move}，现为「{state}」", "{record}: {move} done, now “{state}”"),
    "reason_roles": ("只有{roles}可以{move}", "Only {roles} may {move}"),
    "reason_guard": ("「{move}」的条件不满足", "The condition of “{move}” does not hold"),
    "reason_required": ("进入「{state}」前需填写{field}", "{field} is needed to enter “{state}”"),
    "reason_stock_fields": (
        "需要{relation}和{quantity}才能占用库存",
        "{relation} and {quantity} are needed for the stock",
    ),
    "reason_stock_unknown": ("{key} 不在库存表中", "{key} is not in the stock table"),
    "reason_stock_short": (
        "{key} 库存不足：剩 {left}，需要 {needed}",
        "Not enough stock of {key}: {left} left, {needed} needed",
    ),
    "refused_move_values": (
        "这一步只能填写它要求的字段，不能改{fields}",
        "This move lets you fill in only what it asks for, not {fields}",
    ),
    "refused_edit_records": (
        "你的角色只能流转记录，不能修改字段",
        "Your role may move records on but not edit their fields",
    ),
    "problems_fix": ("有 {n} 处需要修改，尚未保存", "{n} field(s) need fixing; nothing was saved"),
    "problem_required": ("必填", "Required"),
    "problem_value": ("「{value}」不是有效的{field}", "“{value}” is not a valid {field}"),
    "problem_unique": (
        "「{value}」已被另一条记录使用 (#{id})",
        "“{value}” is already used by another record (#{id})",
    ),
    "problem_no_row": ("{table}中没有「{value}」", "No {table} “{value}”"),
    "error_details": ("详情(给搭建者)", "Details (for builders)"),
    "category_open": ("进行中", "Open"),
    "category_done": ("已完成", "Done"),
    "category_cancelled": ("已取消", "Cancelled"),
    "type_autonumber": ("自动编号", "Auto number"),
    "type_boolean": ("是/否", "Yes / no"),
    "type_computed": ("计算字段", "Computed"),
    "type_date": ("日期", "Date"),
    "type_datetime": ("日期时间", "Date and time"),
    "type_decimal": ("小数", "Decimal"),
    "type_email": ("邮箱", "Email"),
    "type_integer": ("整数", "Whole number"),
    "type_link": ("链接", "Link"),
    "type_long_text": ("多行文本", "Long text"),
    "type_lookup": ("引用字段", "Lookup"),
    "type_money": ("金额", "Money"),
    "type_multi_select": ("多选", "Multiple choice"),
    "type_phone": ("手机号", "Phone"),
    "type_relation": ("关联表", "Relation"),
    "type_single_select": ("单选", "Single choice"),
    "type_text": ("单行文本", "Text"),
    "value_map_help": (
        "文件里的值 → 选项，用分号隔开，如：交易成功 → 签收; 交易关闭 → 已取消",
        "The file's value → the option, separated by semicolons, e.g. 交易成功 → 签收; 交易关闭 → 已取消",
    ),
    "value_map_bad": (
        "「{column}」的值对照看不懂：{why}。写法如：交易成功 → 签收; 交易关闭 → 已取消",
        "The value map of “{column}” cannot be read: {why}. Write it like 交易成功 → 签收; 交易关闭 → 已取消",
    ),
    "empty_value": ("(空)", "(empty)"),
    "undo_edit": ("撤销我上一次的修改", "Undo my last change"),
    "undo_what": ("撤销将改回：{what}", "Undo puts back: {what}"),
    "undone_edit": ("已撤销，改回：{what}", "Undone, put back: {what}"),
    "undo_not_last": (
        "#{seq} 不是你在这里可撤销的最后一次修改",
        "#{seq} is not your last change here to undo",
    ),
    "undo_changed_since": (
        "{fields} 之后又被修改过，没有撤销",
        "{fields} changed again since; nothing was undone",
    ),
    "title_en": ("英文标题", "Title (English)"),
    "col_run": ("运行", "Run"),
    "col_started": ("开始", "Started"),
    "col_finished": ("结束", "Finished"),
    "col_ok": ("成功", "OK"),
    "col_error": ("错误", "Error"),
    "col_source": ("来源", "Source"),
    "col_connector": ("连接器", "Connector"),
    "col_status": ("状态", "Status"),
    "col_raw_status": ("原始状态", "Status as sent"),
    "col_at": ("时间", "At"),
    "col_id": ("编号", "ID"),
    "col_name": ("标识", "Name"),
    "col_saved_at": ("保存时间", "Saved at"),
    "col_by": ("保存人", "By"),
    "col_note": ("说明", "Note"),
    "col_current": ("当前", "Current"),
    "col_kind": ("类型", "Kind"),
    "col_url": ("地址", "URL"),
    "col_signed": ("已签名", "Signed"),
    "col_active": ("启用", "Active"),
    "col_seq": ("序号", "Seq"),
    "col_actor": ("操作人", "By"),
    "col_action": ("操作", "Action"),
    "col_changes": ("修改内容", "Changes"),
    "col_create": ("新建", "Created"),
    "col_update": ("修改", "Changed"),
    "col_delete": ("删除", "Deleted"),
    "col_inserted": ("新增", "Inserted"),
    "col_updated": ("更新", "Updated"),
    "col_unchanged": ("未变", "Unchanged"),
    "col_rejected": ("拒绝", "Rejected"),
    "col_duplicates": ("重复", "Duplicates"),
    "col_deferred": ("暂缓", "Deferred"),
    "col_moved": ("流转", "Moved"),
    "col_conflicts": ("冲突", "Conflicts"),
    "col_read": ("读取", "Read"),
    "col_files": ("文件", "Files"),
    "options_example": (
        "每行一个，值:名称，如\nrush:加急\nvip:VIP",
        "One per line, value:label, e.g.\nrush:Rush\nvip:VIP",
    ),
    "json_bad": (
        "{where}：JSON 写法有误（第 {line} 行第 {col} 列：{msg}）",
        "{where}: the JSON is not valid (line {line}, column {col}: {msg})",
    ),
    "json_object_needed": (
        '{where}：需要一个 JSON 对象，如 {{"maximum": 999}}',
        '{where}: a JSON object is needed, e.g. {{"maximum": 999}}',
    ),
    "diff_from": ("从版本", "From version"),
    "diff_to": ("到版本", "To version"),
    "guard_json": ("前置条件 (JSON)", "Condition (JSON)"),
    "queue_depth": ("队列 · 待处理", "Queue · waiting"),
    "queue_lag": ("延迟(秒)", "Lag (s)"),
    "queue_deferred": ("暂缓", "Deferred"),
    "filter_value_help": ("“属于 / 介于” 用逗号分隔：a,b", "For “in” / “between”, separate with commas: a,b"),
    "grid_row_failed": ("#{id}（第 {row} 行）没有保存", "#{id} (row {row}) was not saved"),
    # (texts without values are shown as written: single braces)
    "extra_example": (
        '如 {"url_template": "https://www.kuaidi100.com/chaxun?nu={value}"}',
        'e.g. {"url_template": "https://www.kuaidi100.com/chaxun?nu={value}"}',
    ),
    "settings_example": (
        '如 {"minimum": 1, "maximum": 999}、{"max_length": 50}、{"pattern": "[A-Z]{2}-[0-9]+"}',
        'e.g. {"minimum": 1, "maximum": 999}, {"max_length": 50}, {"pattern": "[A-Z]{2}-[0-9]+"}',
    ),
    "wtype_metric": ("指标卡", "Metric card"),
    "wtype_table": ("明细表", "Table"),
    "wtype_bar": ("柱状图", "Bar chart"),
    "wtype_line": ("折线图", "Line chart"),
    "wtype_funnel": ("状态漏斗", "Status funnel"),
    "wtype_heatmap": ("热力图", "Heatmap"),
    "wtype_pareto": ("帕累托图", "Pareto chart"),
    "wtype_order_health": ("订单健康度", "Order health"),
    "wtype_health_dimensions": ("三维健康度", "Health dimensions"),
    "wtype_customer_health": ("客户健康度", "Customer health"),
    "wtype_kpi": ("KPI 趋势", "KPI trend"),
    "col_label": ("名称", "Label"),
    "col_type": ("类型", "Type"),
    "col_every_min": ("间隔(分钟)", "Every (min)"),
    "col_enabled": ("启用", "Enabled"),
    "col_last_sync": ("上次同步", "Last sync"),
    "col_fetched": ("拉取", "Fetched"),
    "col_new": ("新建", "New"),
    "heatmap_pick": ("或按名称选一格，列出其中的订单", "Or choose a cell by name to list its orders"),
    "user_self_deactivate": ("不能停用自己的账号", "You cannot deactivate yourself"),
    "user_last_admin": (
        "{user} 是最后一个启用的管理员，不能停用或去掉管理员角色",
        "{user} is the last active administrator: they cannot be deactivated or lose the admin role",
    ),
    "add_user": ("添加用户", "Add user"),
    "roles": ("角色", "Roles"),
    "search": ("搜索订单号 / 手机号 / 客户", "Search order no. / phone / customer"),
    "filters": ("筛选", "Filters"),
    "field": ("字段", "Field"),
    "operator": ("比较", "Operator"),
    "sample_message": ("消息", "Message"),
    "funnel_state": ("状态", "State"),
    "funnel_now_in": ("当前在此", "Now in it"),
    "funnel_reached": ("曾到达", "Reached"),
    "funnel_median_hours": ("停留中位数(小时)", "Median hours in it"),
    "level_info": ("提示", "Info"),
    "level_yellow": ("黄色预警", "Yellow"),
    "level_red": ("红色预警", "Red"),
    "choose": ("请选择", "Choose"),
    "value": ("值", "Value"),
    "add_filter": ("添加筛选", "Add filter"),
    "clear_filters": ("清除筛选", "Clear filters"),
    "sort_by": ("排序字段", "Sort by"),
    "descending": ("倒序", "Descending"),
    "page": ("页码", "Page"),
    "page_size": ("每页", "Page size"),
    "total": ("共 {total} 条, {pages} 页", "{total} rows, {pages} pages"),
    "save_edits": ("保存表格修改", "Save grid edits"),
    "saved": ("已保存", "Saved"),
    "detail": ("详情", "Detail"),
    "open_record": ("打开记录 (ID)", "Open record (id)"),
    "history": ("修改记录", "Audit history"),
    "edit": ("编辑", "Edit"),
    "save": ("保存", "Save"),
    "reload": ("重新加载", "Reload"),
    "new_record": ("新建记录", "New record"),
    "submit": ("提交", "Submit"),
    "add_field": ("添加字段", "Add field"),
    "edit_field": ("编辑字段", "Edit field"),
    "label": ("显示名称", "Label"),
    "label_en": ("英文名称", "English label"),
    "name": ("字段标识(小写英文)", "Field name (lowercase)"),
    "name_auto": ("可留空：按显示名称自动生成", "May stay empty: made from the label"),
    "type": ("类型", "Type"),
    "required": ("必填", "Required"),
    "unique": ("唯一", "Unique"),
    "help": ("填写说明", "Help text"),
    "options": ("选项(每行: 值:名称)", "Options (one per line: value:label)"),
    "extra": ("其他设置 (JSON)", "Other settings (JSON)"),
    "hidden_for": ("对这些角色隐藏", "Hidden for roles"),
    "readonly_for": ("对这些角色只读", "Read-only for roles"),
    "reorder": ("拖动调整字段顺序", "Drag to reorder fields"),
    "save_order": ("保存顺序", "Save order"),
    "json_view": ("JSON 视图", "JSON view"),
    "validate": ("校验", "Validate"),
    "valid": ("校验通过", "Valid"),
    "force": ("强制(归档将丢失的数据)", "Force (archive values that would be lost)"),
    "versions": ("版本历史", "Version history"),
    "diff": ("版本差异", "Diff"),
    "rollback": ("回滚到此版本", "Roll back to this version"),
    "remove_field": ("删除字段", "Remove field"),
    "no_permission": ("无权限", "Not allowed"),
    "first_start": (
        "首次启动: 管理员账号 admin, 密码已打印在终端",
        "First start: user admin, password printed in the terminal",
    ),
    "conflict": ("该记录已被他人修改", "Changed by someone else"),
    "alerts": ("预警收件箱", "Alert inbox"),
    "alert_rules": ("预警规则", "Alert rules"),
    "flow_designer": ("状态流设计", "Flow designer"),
    "jobs": ("后台任务", "Jobs"),
    "no_alerts": ("没有待处理的预警", "No open alerts"),
    "acknowledge": ("已知悉", "Acknowledge"),
    "needs_info": ("需补充材料", "Needs more information"),
    "note": ("备注", "Note"),
    "messages": ("消息", "Messages"),
    "mark_read": ("全部标为已读", "Mark all read"),
    "level": ("级别", "Level"),
    "message": (
        "消息模板 (用 {order_no} 这样的字段标识插入字段值)",
        "Message (field names like {order_no} insert their values)",
    ),
    "recipients_roles": ("接收角色", "Recipient roles"),
    "recipients_users": ("接收用户(逗号分隔)", "Recipient users (comma separated)"),
    "channels": ("通知渠道", "Channels"),
    "escalation": ("升级链(未确认 X 分钟后)", "Escalation (unacknowledged after X minutes)"),
    "renotify": ("重复提醒间隔(分钟, 0=不重复)", "Re-notify every (minutes, 0 = never)"),
    "time_clauses": ("时间条件", "Time conditions"),
    "clause_kind": ("类型", "Kind"),
    "hours_since": ("距该时间已过(小时)", "Hours since the time"),
    "hours_in_status": ("停留在当前状态(小时)", "Hours in the current state"),
    "hours": ("小时", "Hours"),
    "after_minutes": ("多少分钟后升级", "Escalate after (minutes)"),
    "condition_kept": (
        "这条规则现有的条件(不是用拖拽搭建的)会原样保留; 在下面搭建的条件会与它同时成立",
        "This rule's condition (not built by drag and drop) is kept as it is; what you build below is added to it",
    ),
    "condition_clear": ("清除现有条件, 改用下面搭建的", "Clear it and use what is built below"),
    "escalation_minutes_bad": (
        '升级第 {step} 步: 分钟数 "{value}" 不是数字',
        'Escalation step {step}: "{value}" is not a number of minutes',
    ),
    "condition": ("条件", "Condition"),
    "test_rule": ("试运行此规则", "Test this rule"),
    "matches": ("当前命中 {count} 条", "{count} records match now"),
    "new_rule": ("新建规则", "New rule"),
    "rule": ("规则", "Rule"),
    "rule_name": ("规则标识(小写英文)", "Rule name (lowercase)"),
    "enabled": ("启用", "Enabled"),
    "delete": ("删除", "Delete"),
    "run_now": ("立即运行", "Run now"),
    "outbox": ("通知发件箱", "Notification outbox"),
    "retry": ("重新投递", "Retry"),
    "add_channel": ("添加通知渠道", "Add a channel"),
    "url": ("地址", "URL"),
    "secret": ("签名密钥", "Signing secret"),
    "kind": ("类型", "Kind"),
    "timeline": ("状态时间线", "Status timeline"),
    "bulk_move": ("批量流转", "Bulk transition"),
    "bulk_ids": ("选择记录", "Records"),
    "bulk_to": ("目标状态", "Target state"),
    "bulk_report": ("逐条报告(允许部分成功)", "Per-record report (let the allowed ones move)"),
    "move": ("流转", "Move"),
    "moved": ("已流转 {moved} 条, 拒绝 {refused} 条", "{moved} moved, {refused} refused"),
    "states": ("状态", "States"),
    "transitions": ("流转", "Transitions"),
    "problems": ("问题", "Problems"),
    "insert_between": ("在两个状态之间插入新状态", "Insert a state between two states"),
    "before": ("之前", "Before"),
    "after": ("之后", "After"),
    "add_state": ("添加状态", "Add state"),
    "category": ("类别", "Category"),
    "color": ("颜色", "Colour"),
    "sla": ("时限(小时)", "SLA (hours)"),
    "guard": ("前置条件", "Guard"),
    "required_fields": ("进入前必填字段", "Fields required to enter"),
    "set_fields": ("流转时设置字段 (JSON)", "Fields set on the move (JSON)"),
    "effects": ("动作 (JSON: 通知 / 占用或释放库存)", "Actions (JSON: notify / reserve or release stock)"),
    "ack_roles": ("需确认的角色", "Roles that must acknowledge"),
    "ack_minutes": ("确认时限(分钟)", "Acknowledge within (minutes)"),
    "automatic": ("自动流转(条件满足即执行)", "Automatic (made when the guard holds)"),
    "from_states": ("来源状态", "From states"),
    "remove": ("移除", "Remove"),
    "save_flow": ("保存状态流", "Save flow"),
    "unsaved": ("有未保存的修改", "Unsaved changes"),
    "import": ("导入历史数据", "Import"),
    "upload": (
        "上传 Excel / CSV 文件 (淘宝订单报表与宝贝报表可一起上传)",
        "Upload an Excel / CSV file (a Taobao order list and its item list may go together)",
    ),
    "joined": ("已按订单编号合并: {pair}", "Joined on the order number: {pair}"),
    "lines": (
        "{pair}: 同一订单的第 2、3… 个商品记为 订单号-2、-3 (订单报表已导入或之后导入均可)",
        "{pair}: an order's second, third… item is kept as order number -2, -3 (its order list may come before or after)",
    ),
    "not_a_pair": (
        "一次只能上传一个文件, 或同一平台分两份导出的订单与明细 (如淘宝订单报表 + 宝贝报表)",
        "Upload one file, or the two files of a platform that exports orders and items apart "
        "(a Taobao order list and its item list)",
    ),
    "sheets": ("工作表", "Sheets"),
    "raw_sheet": ("原始表格(检测到的表头已标出)", "Raw sheet (the detected header is marked)"),
    "header_found": (
        "表头: 第 {row} 行起, 共 {depth} 行; 数据从第 {start} 行开始",
        "Header: from row {row}, {depth} row(s); data starts at row {start}",
    ),
    "mapping": ("字段对应", "Column mapping"),
    "saved_mapping": ("已保存的对应方案", "Saved mapping"),
    "mapping_name": ("方案名称(保存后下次自动套用)", "Mapping name (offered again for the same columns)"),
    "save_mapping": ("保存对应方案", "Save mapping"),
    "stage": ("检查并暂存", "Check and stage"),
    "staged": ("已暂存批次 #{id}", "Staged as batch #{id}"),
    "preview_counts": (
        "共 {rows} 行: 新增 {new}, 更新 {updated}, 不变 {unchanged}, 拒收 {errors}, 待修复单元格 {flagged}",
        "{rows} rows: {new} new, {updated} updated, {unchanged} unchanged, {errors} refused, "
        "{flagged} cells to repair",
    ),
    "will_create": ("将新建: {what}", "Will create: {what}"),
    "derived": ("由其他列得出: {what}", "Read out of other columns: {what}"),
    "col_sheet": ("工作表", "Sheet"),
    "col_source_row": ("表中行号", "Sheet row"),
    "col_refuses": ("整行拒收", "Row refused"),
    "recognised": (
        "识别为{platform}导出; 渠道: {channel}",
        "Recognised as a {platform} export; channel: {channel}",
    ),
    "committed_counts": (
        "已导入: 新增 {inserted}, 更新 {updated}, 不变 {unchanged}, 拒收 {rejected}, 待修复单元格 {flagged}",
        "Imported: {inserted} new, {updated} updated, {unchanged} unchanged, {rejected} refused, "
        "{flagged} cells to repair",
    ),
    "import_refused_rows": (
        "批次 #{id} 有 {n} 行因主键(如订单号)缺失或有误被拒收: 请下载错误报告修正, 或勾选仅导入无错误的行; 未写入任何数据",
        "{n} rows of batch #{id} are refused (their key is missing or bad): fix them from the error report or "
        "import the other rows only; nothing was written",
    ),
    "import_no_valid_row": (
        "批次 #{id} 没有可导入的行: {n} 行都因主键(如订单号)缺失或有误被拒收 (见错误报告); 未写入任何数据",
        "No row of batch #{id} can be imported: all {n} are refused for their key (see the error report); "
        "nothing was written",
    ),
    "created_rows": ("新建 {what}", "created {what}"),
    "removed_created": ("删除其新建的 {what}", "removed the {what} it created"),
    "batch_staged": ("待审核", "staged"),
    "batch_committed": ("已导入", "committed"),
    "batch_undone": ("已撤销", "undone"),
    "batch_rejected": ("已驳回", "rejected"),
    "undone_counts": (
        "已撤销: 删除 {removed} 行, 恢复 {restored} 行, {left} 行之后被修改过而保留",
        "Undone: {removed} rows removed, {restored} restored, {left} edited since and left alone",
    ),
    "repairs": ("待修复的单元格", "Cells to repair"),
    "repairs_help": (
        "导入时这些单元格的值不符合字段要求: 行已导入, 单元格留空。填入正确的值后保存。",
        "These cells did not fit their field on import: the rows landed with them empty. Fill in the right value and save.",
    ),
    "repair_value": ("正确的值", "Right value"),
    "repair_cell": ("要修复的单元格", "Cell to repair"),
    "repair_save": ("保存修复", "Save repairs"),
    "repaired": ("已修复 {n} 个单元格", "{n} cells repaired"),
    "no_repairs": ("没有待修复的单元格", "No cell waits for repair"),
    "as_written": ("文件中的值", "As written"),
    "reason": ("原因", "Reason"),
    "record": ("记录", "Record"),
    "fit": ("值相符", "Values fit"),
    "confidence": ("把握", "Confidence"),
    "why": ("依据", "Why"),
    "why_values": ("值 {pct} 是{label}", "{pct} of the values are a {label}"),
    "why_name": ("列名相符", "The column's name"),
    "file_column": ("文件列", "File column"),
    "sample": ("示例值", "Sample values"),
    "value_map": ("值对应 (JSON)", "Value map (JSON)"),
    "date_format": ("日期格式", "Date format"),
    "not_imported": ("(不导入)", "(not imported)"),
    "suggested_mapping": ("(不用, 按建议对应)", "(none: the suggested mapping)"),
    "error_report": ("下载错误报告 (.xlsx)", "Download the error report (.xlsx)"),
    "boards": ("看板", "Boards"),
    "board": ("看板", "Board"),
    "board_day": ("看板日期 (各组件从这天往前数)", "Board date (widgets count back from this day)"),
    "board_history": (
        "近期没有订单: 看板显示到最近有数据的一天 {day}。改日期可看其他时段。",
        "No recent orders: the board shows up to {day}, the newest day with data. Change the date for another period.",
    ),
    "no_boards": ("没有您可以查看的看板", "There is no board you may see"),
    "export_board": ("导出看板 (.xlsx, 每个组件一页)", "Export the board (.xlsx, a sheet per widget)"),
    "export_matrix": ("导出矩阵 (.xlsx)", "Export the matrix (.xlsx)"),
    "cell_orders": ("{x} · {y}: {n} 单", "{x} · {y}: {n} orders"),
    "open": ("打开", "Open"),
    "open_help": ("勾选一行，在下方打开这条记录", "Tick a row to open that record below"),
    "vs_previous": ("与之前 {days} 天相比", "Compared with the {days} days before"),
    "no_data": ("暂无数据", "No data yet"),
    "last_days": ("近 {days} 天", "Last {days} days"),
    "customer_orders": ("查看客户最近订单", "A customer's recent orders"),
    "count": ("数量", "Count"),
    "cumulative": ("累计占比", "Cumulative share"),
    "orders_scored": ("参与评分订单", "Orders scored"),
    "average_score": ("平均健康分", "Average score"),
    "review_pool": ("待复核 (< {n})", "Review pool (< {n})"),
    "red": ("红", "Red"),
    "yellow": ("黄", "Yellow"),
    "green": ("绿", "Green"),
    "board_builder": ("看板设计", "Board builder"),
    "new_board": ("+ 新建看板", "+ New board"),
    "board_name": ("看板标识(英文, 可留空)", "Board name (slug, may be left empty)"),
    "title": ("标题", "Title"),
    "create_board": ("创建看板", "Create the board"),
    "share_roles": ("可查看的角色(空 = 所有人)", "Roles that may see it (none = everyone)"),
    "widget_type": ("组件类型", "Widget type"),
    "add_widget": ("添加组件", "Add widget"),
    "drag_to_reorder": ("拖动调整组件顺序", "Drag to reorder the widgets"),
    "width": ("宽度(1-12)", "Width (1-12)"),
    "widget_filter": ("只统计满足条件的记录", "Only records meeting this condition"),
    "preview": ("预览", "Preview"),
    "remove_widget": ("删除组件", "Remove widget"),
    "save_board": ("保存看板", "Save the board"),
    "board_saved": ("已保存为工作区第 {version} 版", "Saved as workspace version {version}"),
    "new_widget_title": ("新组件标题", "New widget's title"),
    "name_and_title": ("请填写看板标题", "Give the board a title"),
    "board_exists": (
        "已有标识为 {name} 的看板 ({title}): 请换一个标识, 或在上方选择该看板进行修改",
        "A board named {name} exists ({title}): pick another name, or choose that board above to change it",
    ),
    "board_name_bad": (
        "看板标识 {name} 不可用: 只能用小写英文字母、数字和下划线, 以字母开头 (可留空, 自动生成)",
        "The board name {name} cannot be used: lowercase letters, digits and _, starting with a letter "
        "(or leave it empty to have one made)",
    ),
    "widget_needs_title": ("请先填写组件标题", "Give the widget a title first"),
    "set_measure": ("度量", "Measure"),
    "set_field": ("数值字段", "Number field"),
    "set_rate_condition": ("占比的条件", "Condition of the rate"),
    "set_date_field": ("日期字段", "Date field"),
    "set_days": ("最近天数", "Last N days"),
    "set_better": ("数值越…越好 (higher / lower)", "Better when (higher / lower)"),
    "set_columns": ("显示列", "Columns"),
    "set_sort": ("排序字段", "Sort by"),
    "set_descending": ("倒序", "Descending"),
    "set_limit": ("最多行数", "Rows at most"),
    "set_group_by": ("分组字段", "Group by"),
    "set_bucket": ("时间粒度", "Time bucket"),
    "set_split": ("拆分字段", "Split by"),
    "set_x": ("横轴(日期字段)", "X (a date field)"),
    "set_y": ("纵轴(分组字段)", "Y (rows)"),
    "set_heat_condition": ("计入热力的条件", "Condition counted in the cells"),
    "set_window_days": ("时间窗口(天)", "Window (days)"),
    "set_top": ("前几项", "Top N"),
    "set_kind": ("指标", "KPI"),
    "fixed_help": (
        "整个文件相同的值(如 渠道 = 淘宝), 用于文件里没有的字段",
        "Values the same for the whole file (e.g. channel = 淘宝), for fields no column fills",
    ),
    "fixed_value": ("固定值", "Fixed value"),
    "changed_fields": ("将更新的字段:", "Fields that change:"),
    "skipped_rows": ("跳过 {n} 行(空行/合计):", "{n} row(s) skipped (blank / totals):"),
    "batches": ("导入批次", "Import batches"),
    "commit": ("提交入库", "Commit"),
    "commit_valid": ("仅导入无错误的行", "Import the valid rows only"),
    "reject": ("驳回", "Reject"),
    "undo": ("撤销此批次", "Undo this batch"),
    "suggested": ("建议: {how}", "Suggested: {how}"),
    "discard": ("放弃修改", "Discard changes"),
    "connectors": ("渠道接入", "Connectors"),
    "conn_list": ("渠道", "Connectors"),
    "conn_add": ("新增渠道", "Add a connector"),
    "conn_type": ("类型", "Type"),
    "conn_platform": ("平台", "Platform"),
    "conn_source": ("来源(可信度)", "Source (credibility)"),
    "conn_name": ("标识(小写英文)", "Name (lowercase)"),
    "conn_folder": ("监控文件夹", "Watched folder"),
    "conn_choose": ("选择渠道", "Choose a connector"),
    "conn_settings": ("设置", "Settings"),
    "conn_enabled": ("启用", "Enabled"),
    "conn_every": ("同步间隔(分钟)", "Sync every (minutes)"),
    "conn_prefix": ("单号前缀", "Key prefix"),
    "conn_fields": ("字段映射 (工作区字段 → 来源字段)", "Field mapping (workspace field → source field)"),
    "conn_statuses": ("状态映射 (来源状态 → 工作区状态)", "Status mapping (source status → workspace state)"),
    "conn_fixed": ("固定值", "Fixed values"),
    "conn_options": ("其它选项", "Other options"),
    "conn_preview": ("用真实数据预览", "Preview on real payloads"),
    "conn_source_rows": ("来源数据", "Source rows"),
    "conn_mapped_rows": ("映射结果", "Mapped rows"),
    "conn_rejected": ("将被拒绝的行", "Rows that would be rejected"),
    "conn_sync": ("立即同步", "Sync now"),
    "conn_remove": ("删除渠道", "Remove connector"),
    "conn_log": ("同步日志", "Sync log"),
    "conn_rejects": ("被拒绝的行", "Rejected rows"),
    "conn_tokens": ("推送调用方与令牌", "Webhook callers and tokens"),
    "conn_caller": ("调用方名称", "Caller name"),
    "conn_issue": ("生成令牌", "Issue token"),
    "conn_token_once": (
        "请立即复制, 令牌只显示这一次: POST {url} 头 Authorization: Bearer {token}",
        "Copy it now, the token is shown only once: POST {url} with Authorization: Bearer {token}",
    ),
    "conn_none": ("还没有渠道, 请从类型新增一个。", "No connectors yet: add one from a type."),
    "conflicts": ("状态冲突", "Status conflicts"),
    "conflicts_none": ("各来源状态一致。", "The sources agree."),
    "chat_review": ("聊天待审", "Chat review"),
    "chat_none": ("没有待审消息。", "No messages waiting."),
    "chat_accept": ("确认下单", "Accept as order"),
    "chat_dismiss": ("不是订单", "Not an order"),
    "chat_edit": ("修正解析结果 (JSON)", "Correct the parse (JSON)"),
    "chat_intent": ("意图: {intent}", "Intent: {intent}"),
    "intent_order": ("新订单", "new order"),
    "intent_change": ("修改已有订单", "change to an earlier order"),
    "intent_cancel": ("取消已有订单", "cancellation of an earlier order"),
    "intent_quote": ("询价", "price question"),
    "intent_defer": ("部分暂缓", "partly deferred"),
    "intent_other": ("其他消息", "other message"),
    "chat_target": ("要修改的订单", "Order to edit"),
    "chat_will_cancel": ("确认后将取消订单 {order}", "Accepting cancels order {order}"),
    "chat_will_change": ("确认后将修改订单 {order}: {changes}", "Accepting changes order {order}: {changes}"),
    "chat_no_match": (
        "该客户没有可修改的未完成订单; 请在订单页处理后点“不是订单”。",
        "This customer has no open order to edit: handle it on Records, then press Not an order.",
    ),
    "chat_apply_cancel": ("确认取消该订单", "Cancel this order"),
    "chat_apply_change": ("确认修改该订单", "Change this order"),
    "chat_pick_sku": ("“{product}” 对应的商品", "SKU for “{product}”"),
    "chat_dismiss_msg": ("忽略此消息", "Dismiss the message"),
    "queue": ("进单队列", "Intake queue"),
    "select_hint": (
        "点击状态或连线进行编辑; 从一个状态拖到另一个状态新建流转",
        "Click a state or an arrow to edit it; drag from one state to another to add a transition",
    ),
}


def lang() -> str:
    return str(st.session_state.get("lang", "zh"))


def t(key: str, **values: Any) -> str:
    """UI text in the chosen language."""
    zh, en = TEXT[key]
    text = en if lang() == "en" else zh
    return text.format(**values) if values else text


@st.cache_resource
def get_store() -> Store:
    """The one Store of this process (it owns the DuckDB file); prepares a first start."""
    store = shared_store()
    first = ensure_ready(store)
    if first.admin_password:
        print(f"OrderHub first start: sign in as 'admin' with password {first.admin_password}", flush=True)
    if os.environ.get("ORDERHUB_SCHEDULER", "1") != "0":
        ensure_scheduler(store)  # alert evaluation, escalation and delivery run in this process
    return store


def actor() -> Actor:
    user = st.session_state["user"]
    return Actor(user["username"], frozenset(user["roles"]))


def current_workspace(store: Store) -> Workspace | None:
    name = st.session_state.get("workspace")
    if not name:
        return None
    try:
        return workspaces.get_workspace(store, name)
    except EngineError as exc:
        show_error(exc)
        return None


def page_context() -> tuple[Store, Actor, Workspace]:
    """The store, the signed-in actor and the chosen workspace; stops the page when there is no workspace."""
    store = get_store()
    ws = current_workspace(store)
    if ws is None:
        st.stop()
    return store, actor(), ws  # type: ignore[return-value]


def choose_table(ws: Workspace, action: str, key: str) -> Table:
    """A table picker over the tables the actor may `action`; stops the page when there are none."""
    tables = [tb for tb in ws.tables if can(actor(), tb, action)]
    if not tables:
        st.info(t("no_permission"))
        st.stop()
    labels = {tb.name: label_of(tb, lang()) for tb in tables}
    return ws.require_table(st.selectbox(t("table"), list(labels), format_func=labels.get, key=key))


def reason_text(key: str, values: dict[str, Any]) -> str:
    """An engine reason in the UI language: lists joined, role names as people read them, a name's English
    form (field_en) in English when the engine gave one."""
    if lang() == "en":
        values = values | {k[:-3]: v for k, v in values.items() if k.endswith("_en") and v}
    values = {k: v for k, v in values.items() if not k.endswith("_en")}
    shown = {
        k: "、".join(role_label(x) if k == "roles" else str(x) for x in v)
        if isinstance(v, list | tuple)
        else v
        for k, v in values.items()
    }
    return t(key, **shown) if key in TEXT else key


def type_label(kind: str) -> str:
    """A field type's name in the UI language (the identifier when the table has none for it)."""
    return t(f"type_{kind}") if f"type_{kind}" in TEXT else kind


def pick_roles(where: Any, label: str, default: Any, key: str | None = None) -> list[str]:
    """A multiselect of roles by their names in the UI language (`where`: st, a column or a form)."""
    return where.multiselect(
        label, ROLES, default=list(default or []), format_func=role_label, key=key, placeholder=t("choose")
    )


def role_label(role: str) -> str:
    """A role's name in the UI language."""
    zh, en = ROLE_LABELS.get(role, (role, role))
    return en if lang() == "en" else zh


def heading(key: str) -> str:
    """A column heading or code from the engine (inserted, update) in the UI language, as is when unknown."""
    return t(f"col_{key}") if f"col_{key}" in TEXT else key


def json_error(exc: Any, where: str) -> None:
    """A JSON text that does not parse, said in the UI language with its line and column."""
    st.error(t("json_bad", where=where, line=exc.lineno, col=exc.colno, msg=exc.msg), icon=":material/error:")


def problem_text(problem: Problem) -> str:
    """One problem in the UI language (its English message when the engine gave no text for it)."""
    return reason_text(*problem.text) if problem.text is not None else problem.message


def show_error(exc: EngineError) -> None:
    """Render an engine error in the UI language, then each problem (with its field's label); the engine's
    own message, with paths and names, stays in a collapsed details line for builders."""
    if exc.text is not None and exc.text[0] in TEXT:
        icon = ":material/block:" if isinstance(exc, RefusedError) else ":material/error:"
        st.error(reason_text(*exc.text), icon=icon)
    elif isinstance(exc, ConflictError):
        st.error(f"{t('conflict')}: {exc.message}", icon=":material/warning:")
    elif isinstance(exc, RefusedError):
        st.error(exc.message, icon=":material/block:")
    else:
        st.error(exc.message, icon=":material/error:")
    for problem in exc.problems:
        text = problem_text(problem)
        named = problem.text[1] if problem.text else {}
        where = (named.get("field_en") if lang() == "en" else None) or named.get("field") or problem.path
        st.markdown(f"- {where}: {text}" if where and where not in text else f"- {text}")
    if exc.text is not None or exc.problems:
        with st.expander(t("error_details")):
            st.code(str(exc), language=None)
