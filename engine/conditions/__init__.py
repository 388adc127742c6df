"""The condition language: JSONLogic (what the drag-and-drop condition builder emits) plus named extensions.

evaluate.py runs a condition for one record with JSONLogic's JavaScript semantics; jsvalues.py holds those
semantics (truthiness, loose equality, number and string conversion). Compiling to SQL comes next.
"""
